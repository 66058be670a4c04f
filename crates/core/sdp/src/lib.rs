//! SDP model and offer/answer (RFC 4566, RFC 3264)
