//! The offline, procedural generator: from `{seed, name, species, traits}` to the same
//! portrait every time.

mod features;
mod rng;
mod svg;

pub use features::{BodyPlan, Features};

use serde_json::{Map, Value};

/// The SVG portrait of a creature.
pub fn portrait(seed: &str, name: &str, species: &str, traits: &Map<String, Value>) -> String {
    svg::draw(&Features::decide(seed, name, species, traits))
}
