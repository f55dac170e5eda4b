//! The avatar service of Bestiary: an independent HTTP service that turns `{seed, name,
//! species, traits}` into a deterministic image. It will know nothing of the domain crates.
//! Nothing lives here yet (issue 5).
