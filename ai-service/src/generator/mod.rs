//! The offline, procedural generator: from `{seed, name, species, traits}` to the same
//! portrait every time.

mod features;
mod rng;
mod species;
mod svg;
mod words;

pub use features::Features;
pub use species::{BodyPlan, Hints, Reading, read as read_species};

use serde_json::{Map, Value};

/// The SVG portrait of a creature.
pub fn portrait(seed: &str, name: &str, species: &str, traits: &Map<String, Value>) -> String {
    svg::draw(&Features::decide(seed, name, species, traits))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// One species for each plan, and for each variant a word brings.
    const EVERY_PLAN: [&str; 24] = [
        "fire dragon",
        "owl",
        "boar",
        "dire wolf",
        "lion",
        "unicorn",
        "centaur",
        "lake monster",
        "cobra",
        "kraken",
        "mermaid",
        "koi",
        "spider",
        "scorpion",
        "treant",
        "mushroom",
        "skeleton",
        "lich",
        "vampire",
        "dwarf",
        "fairy",
        "orc",
        "ghost",
        "golem",
    ];

    #[test]
    fn every_plan_is_drawn_and_rasterises() {
        let drawn: Vec<BodyPlan> = EVERY_PLAN
            .iter()
            .filter_map(|species| read_species(species).map(|reading| reading.plan))
            .collect();
        for plan in BodyPlan::ALL {
            assert!(drawn.contains(&plan), "no species draws {plan:?}");
        }
        let all_on = json!({"wings": true, "horns": true, "tail": true, "eyes": 3});
        let all_off = json!({"wings": false, "horns": false, "tail": false, "eyes": 1});
        for species in EVERY_PLAN {
            for traits in [Map::new(), all_on.as_object().cloned().unwrap_or_default()]
                .into_iter()
                .chain([all_off.as_object().cloned().unwrap_or_default()])
            {
                let svg = portrait("seed", "Name", species, &traits);
                assert!(
                    svg.starts_with("<svg") && svg.ends_with("</svg>"),
                    "{species}"
                );
                assert!(!svg.contains("NaN") && !svg.contains("inf"), "{species}");
                let png = crate::raster::png(&svg, 64)
                    .unwrap_or_else(|error| panic!("{species}: {error}"));
                assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"), "{species}");
            }
        }
    }

    #[test]
    fn the_same_input_draws_the_same_bytes() {
        let traits = json!({"colour": "green"})
            .as_object()
            .cloned()
            .unwrap_or_default();
        for species in EVERY_PLAN.iter().chain(&["quibblesnatch"]) {
            let once = portrait("creature-7", "Rex", species, &traits);
            assert_eq!(once, portrait("creature-7", "Rex", species, &traits));
            let png = |svg: &str| crate::raster::png(svg, 96).ok();
            assert_eq!(
                png(&once),
                png(&portrait("creature-7", "Rex", species, &traits))
            );
        }
        assert_ne!(
            portrait("a", "Rex", "wolf", &Map::new()),
            portrait("b", "Rex", "wolf", &Map::new()),
            "the seed still varies the small choices"
        );
    }

    #[test]
    fn unknown_species_fall_back_to_a_plan_from_the_seed() {
        let plan = |seed: &str| Features::decide(seed, "n", "quibblesnatch", &Map::new()).plan;
        assert_eq!(plan("s1"), plan("s1"));
        let plans: Vec<BodyPlan> = (0..40).map(|i| plan(&format!("s{i}"))).collect();
        assert!(
            plans.iter().any(|p| *p != plans[0]),
            "the seed picks the plan"
        );
    }
}
