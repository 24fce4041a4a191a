//! Deciding from the phone, as rules (issue "Away from the desk").
//!
//! A request the person has not answered at the desk goes, when they chose so, to one private
//! encrypted Matrix room with them: one message per request, with everything its card shows
//! and a code that names it. They answer from any ordinary client by writing `approve CODE`
//! or `deny CODE reason`. Whether an answer counts is decided here, from facts the Matrix
//! client reports about it (who sent it, from which device and whether that device is
//! verified, whether it was encrypted, in which room, what it relates to), so that the rules
//! are tested without a server and the client process only reports what it saw.
//!
//! - [`escalation`]: when a request goes to the phone.
//! - [`message`]: the message for a request, and reading an answer's text.
//! - [`authority`]: which answers decide, and why the others do not.
//! - [`channel`]: what the app and the Matrix client's process say to each other.

pub mod authority;
pub mod channel;
pub mod escalation;
pub mod message;
