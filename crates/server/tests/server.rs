//! Server tests: real HTTP and WebSocket against a server bound on 127.0.0.1:0 with a real
//! SQLite file in a temporary data dir.

mod server {
    mod assistant;
    mod auth;
    mod burn;
    mod chat;
    mod cluster;
    pub mod common;
    mod durability;
    mod everyday;
    mod files;
    mod groups;
    mod hardening;
    mod history;
    mod input;
    pub mod model;
    mod openim;
    mod ops;
    mod recall;
    mod seed001;
    mod seed004;
    mod socket;
    mod yunhu;
}
