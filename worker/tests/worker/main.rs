//! The worker against real PostgreSQL and Redis: concurrent writers, crashes, Redis loss,
//! and several workers sharing the projections.

mod helpers;

mod avatars;
mod crash;
mod redis_loss;
mod scale_out;
mod writers;
