//! Routing flows: compile and interpret
