//! SIP transactions, dialogs, digest authentication and registrar as sans-IO state machines
