// Sample messages shared by the bench and the profiling example.

/// A typical INVITE from a carrier, with SDP.
pub const INVITE: &[u8] = b"INVITE sip:+15551234567@sip.example.com;user=phone SIP/2.0\r\n\
Via: SIP/2.0/UDP 203.0.113.10:5060;branch=z9hG4bK-524287-1---ab4c1e9f;rport\r\n\
Max-Forwards: 70\r\n\
Contact: <sip:+15557654321@203.0.113.10:5060;transport=udp>\r\n\
To: <sip:+15551234567@sip.example.com;user=phone>\r\n\
From: \"Customer\" <sip:+15557654321@carrier.example.net;user=phone>;tag=f9a8b7c6\r\n\
Call-ID: 5a1b2c3d4e5f60718293a4b5c6d7e8f9@203.0.113.10\r\n\
CSeq: 1 INVITE\r\n\
Allow: INVITE, ACK, CANCEL, BYE, NOTIFY, REFER, MESSAGE, OPTIONS, INFO, SUBSCRIBE\r\n\
Supported: replaces, timer, 100rel\r\n\
Session-Expires: 1800;refresher=uac\r\n\
User-Agent: ExampleGateway/4.2\r\n\
Content-Type: application/sdp\r\n\
Content-Length: 238\r\n\
\r\n\
v=0\r\n\
o=- 3912683471 3912683471 IN IP4 203.0.113.10\r\n\
s=-\r\n\
c=IN IP4 203.0.113.10\r\n\
t=0 0\r\n\
m=audio 16384 RTP/AVP 0 8 101\r\n\
a=rtpmap:0 PCMU/8000\r\n\
a=rtpmap:8 PCMA/8000\r\n\
a=rtpmap:101 telephone-event/8000\r\n\
a=fmtp:101 0-16\r\n\
a=ptime:20\r\n\
a=sendrecv\r\n";

/// A typical 200 OK to it.
pub const OK: &[u8] = b"SIP/2.0 200 OK\r\n\
Via: SIP/2.0/UDP 203.0.113.10:5060;branch=z9hG4bK-524287-1---ab4c1e9f;rport=5060;received=203.0.113.10\r\n\
Record-Route: <sip:198.51.100.2;lr>\r\n\
Contact: <sip:agent7@198.51.100.20:5060>\r\n\
To: <sip:+15551234567@sip.example.com;user=phone>;tag=as5f8e2b1c\r\n\
From: \"Customer\" <sip:+15557654321@carrier.example.net;user=phone>;tag=f9a8b7c6\r\n\
Call-ID: 5a1b2c3d4e5f60718293a4b5c6d7e8f9@203.0.113.10\r\n\
CSeq: 1 INVITE\r\n\
Allow: INVITE, ACK, CANCEL, BYE, OPTIONS\r\n\
Supported: replaces, timer\r\n\
Content-Length: 0\r\n\
\r\n";
