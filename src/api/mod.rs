//! The one I/O boundary: the REST client, the WebSocket client and uploads.
//! Everything else talks to the server only through these functions.

mod assistant;
mod client;
pub mod socket;
pub mod upload;

pub use assistant::*;
pub use client::*;
