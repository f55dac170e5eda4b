//! What a creature's portrait shows, decided from its species, traits and seed: the body plan,
//! palette, eyes, horns, wings, tail and pattern.

use super::rng::{Rng, hash};
use super::species::{self, BodyPlan, Hints};
use serde_json::{Map, Value};

/// Markings on the body.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pattern {
    /// Plain.
    Plain,
    /// Round spots.
    Spots,
    /// Bands across the body.
    Stripes,
    /// Overlapping scales.
    Scales,
}

/// A colour as hue (degrees), saturation and lightness (percent).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Hsl(pub f64, pub f64, pub f64);

impl Hsl {
    /// CSS text.
    pub fn css(&self) -> String {
        format!(
            "hsl({:.0},{:.0}%,{:.0}%)",
            self.0.rem_euclid(360.0),
            self.1,
            self.2
        )
    }

    /// The same hue, lighter or darker.
    pub fn with_lightness(&self, lightness: f64) -> Hsl {
        Hsl(self.0, self.1, lightness.clamp(0.0, 100.0))
    }
}

/// Everything the drawing needs.
#[derive(Clone, Debug)]
pub struct Features {
    /// Body plan.
    pub plan: BodyPlan,
    /// Main body colour.
    pub body: Hsl,
    /// Accent colour (horns, iris, crest).
    pub accent: Hsl,
    /// Background colour.
    pub background: Hsl,
    /// How many eyes (1–5).
    pub eyes: u32,
    /// Whether it has horns.
    pub horns: bool,
    /// Whether it has wings.
    pub wings: bool,
    /// Whether it has a tail.
    pub tail: bool,
    /// Its markings.
    pub pattern: Pattern,
    /// What the species' words add (a beard, a cape, water).
    pub hints: Hints,
    /// Head width relative to the default (0.85–1.15).
    pub head_scale: f64,
    /// The random source for the remaining small choices.
    pub rng: Rng,
}

const COLOURS: [(&str, f64); 12] = [
    ("red", 2.0),
    ("crimson", 350.0),
    ("orange", 28.0),
    ("gold", 45.0),
    ("yellow", 52.0),
    ("green", 125.0),
    ("teal", 175.0),
    ("blue", 215.0),
    ("purple", 275.0),
    ("violet", 270.0),
    ("pink", 330.0),
    ("brown", 25.0),
];

/// Hues that a species' words suggest (a fire drake is red, a frost wyrm pale blue).
const ELEMENTS: [(&str, f64); 8] = [
    ("fire", 8.0),
    ("flame", 15.0),
    ("lava", 20.0),
    ("ice", 195.0),
    ("frost", 200.0),
    ("shadow", 265.0),
    ("forest", 120.0),
    ("storm", 230.0),
];

/// How likely a plan is to have wings, horns and a tail when neither its words nor its traits
/// say. Serpents, fish and tentacled things draw their own tail end.
fn chances(plan: BodyPlan) -> (f64, f64, f64) {
    match plan {
        BodyPlan::Reptile => (0.0, 0.8, 1.0),
        BodyPlan::Avian => (1.0, 0.15, 0.2),
        BodyPlan::Beast => (0.1, 0.2, 1.0),
        BodyPlan::Canine | BodyPlan::Feline => (0.0, 0.05, 1.0),
        BodyPlan::Equine => (0.0, 0.0, 1.0),
        BodyPlan::Serpent => (0.0, 0.3, 0.0),
        BodyPlan::Aquatic => (0.1, 0.15, 0.0),
        BodyPlan::Blob => (0.15, 0.15, 0.2),
        BodyPlan::Fish => (0.0, 0.05, 0.0),
        BodyPlan::Insect => (0.4, 0.15, 0.0),
        BodyPlan::Plant => (0.0, 0.3, 0.0),
        BodyPlan::Undead => (0.05, 0.1, 0.0),
        BodyPlan::Humanoid => (0.0, 0.1, 0.0),
        BodyPlan::Construct => (0.1, 0.8, 0.1),
    }
}

/// A trait's value as a flag: `true`, a positive number, or a non-empty string other than "no".
fn flag(traits: &Map<String, Value>, names: &[&str]) -> Option<bool> {
    names.iter().find_map(|name| {
        traits
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| match value {
                Value::Bool(flag) => *flag,
                Value::Number(number) => number.as_f64().is_some_and(|n| n > 0.0),
                Value::String(text) => !matches!(
                    text.to_lowercase().as_str(),
                    "" | "no" | "none" | "false" | "0"
                ),
                _ => false,
            })
    })
}

fn number(traits: &Map<String, Value>, name: &str) -> Option<f64> {
    traits
        .iter()
        .find(|(key, _)| key.eq_ignore_ascii_case(name))
        .and_then(|(_, value)| match value {
            Value::Number(number) => number.as_f64(),
            Value::String(text) => text.trim().parse().ok(),
            _ => None,
        })
}

fn text(traits: &Map<String, Value>, names: &[&str]) -> Option<String> {
    names.iter().find_map(|name| {
        traits
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .and_then(|(_, value)| value.as_str().map(str::to_lowercase))
    })
}

impl Features {
    /// The plan the head is drawn from: a human's for a centaur or a mermaid, else the body's.
    pub fn head_plan(&self) -> BodyPlan {
        if self.hints.has(Hints::HUMAN_HEAD) {
            BodyPlan::Humanoid
        } else {
            self.plan
        }
    }

    /// Decides the portrait of a creature. Species sets the body plan, traits override what
    /// they name (`wings`, `horns`, `tail`, `eyes`, `colour`/`color`, `pattern`), the seed
    /// decides the rest.
    pub fn decide(seed: &str, name: &str, species: &str, traits: &Map<String, Value>) -> Self {
        let mut rng = Rng::new(hash(&[seed, name, &species.to_lowercase()]));
        let reading = species::read(species).unwrap_or_else(|| species::Reading {
            plan: BodyPlan::ALL[rng.below(BodyPlan::ALL.len() as u64) as usize],
            hints: Hints::NONE,
        });
        let plan = reading.plan;
        let random_hue = rng.range(0.0, 360.0);
        let lowered = species.to_lowercase();
        let hue = text(traits, &["colour", "color"])
            .and_then(|colour| {
                COLOURS
                    .iter()
                    .find(|(name, _)| colour.contains(name))
                    .map(|(_, hue)| *hue)
            })
            .or_else(|| {
                ELEMENTS
                    .iter()
                    .find(|(word, _)| lowered.contains(word))
                    .map(|(_, hue)| *hue)
            })
            .unwrap_or(random_hue);
        let body = Hsl(hue, rng.range(45.0, 70.0), rng.range(48.0, 58.0));
        let accent = Hsl(hue + rng.range(140.0, 220.0), 75.0, 55.0);
        let background = Hsl(hue + rng.range(-40.0, 40.0) + 180.0, 45.0, 88.0);
        let (wings, horns, tail) = chances(plan);
        let default_wings = (rng.chance(wings) && !reading.hints.has(Hints::ARACHNID))
            | reading.hints.has(Hints::WINGS);
        let default_horns = rng.chance(horns) | reading.hints.has(Hints::HORNS);
        let default_tail = rng.chance(tail) | reading.hints.has(Hints::TAIL);
        let eyes = number(traits, "eyes").map_or_else(
            || {
                if reading.hints.has(Hints::ARACHNID) {
                    4
                } else if reading.hints.has(Hints::ONE_EYE) {
                    1
                } else if rng.chance(0.12) {
                    1 + 2 * rng.below(2) as u32
                } else {
                    2
                }
            },
            |eyes| eyes.round().clamp(1.0, 5.0) as u32,
        );
        let pattern = match text(traits, &["pattern", "markings"]).as_deref() {
            Some(p) if p.contains("spot") => Pattern::Spots,
            Some(p) if p.contains("stripe") => Pattern::Stripes,
            Some(p) if p.contains("scale") => Pattern::Scales,
            Some(_) => Pattern::Plain,
            None => match (plan, rng.below(4)) {
                (BodyPlan::Reptile, 0..=2) => Pattern::Scales,
                (_, 0) => Pattern::Spots,
                (_, 1) => Pattern::Stripes,
                _ => Pattern::Plain,
            },
        };
        Self {
            plan,
            body,
            accent,
            background,
            eyes,
            horns: flag(traits, &["horns", "horn", "horned"]).unwrap_or(default_horns),
            wings: flag(traits, &["wings", "wing", "winged", "flying"]).unwrap_or(default_wings),
            tail: flag(traits, &["tail", "tailed"]).unwrap_or(default_tail),
            pattern,
            hints: reading.hints,
            head_scale: rng.range(0.9, 1.1),
            rng,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn traits(value: Value) -> Map<String, Value> {
        value.as_object().cloned().unwrap_or_default()
    }

    #[test]
    fn species_sets_the_body_plan_and_traits_override() {
        let dragon = Features::decide("s", "Smaug", "Fire Dragon", &Map::new());
        assert_eq!(dragon.plan, BodyPlan::Reptile);
        assert!(dragon.wings);
        let wingless = Features::decide(
            "s",
            "Smaug",
            "Fire Dragon",
            &traits(json!({"wings": 0, "eyes": 3})),
        );
        assert!(!wingless.wings);
        assert_eq!(wingless.eyes, 3);
        let griffin =
            Features::decide("s", "G", "griffin", &traits(json!({"colour": "Deep Blue"})));
        assert_eq!(griffin.plan, BodyPlan::Avian);
        assert_eq!(griffin.body.0, 215.0);
    }
}
