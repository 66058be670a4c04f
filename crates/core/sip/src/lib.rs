//! SIP message model: parse and print (RFC 3261, RFC 4475)
