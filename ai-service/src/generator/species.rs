//! Reading a species: which body plan its words name, and what else they imply (a pegasus has
//! wings, a unicorn a horn, a dwarf a beard).
//!
//! Matching is by whole word, case-insensitive: a known phrase first ("lake monster"), then the
//! words from last to first, since the last word usually names the creature ("wolf spider" is a
//! spider, "dire wolf" a wolf), then compounds that end in a known word ("hellhound",
//! "jellyfish"). A species with no known word has no reading; the caller picks a plan from the
//! seed.

/// The overall shape of the creature.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BodyPlan {
    /// Dragons, lizards, crocodiles, turtles: snout, scales, fangs.
    Reptile,
    /// Griffins, birds, phoenixes: beak, feathers.
    Avian,
    /// Bears, boars, bulls, apes, rabbits: round ears, broad muzzle.
    Beast,
    /// Wolves, dogs, foxes, jackals: tall ears, long muzzle, cheek ruff, bushy tail.
    Canine,
    /// Cats, lions, tigers: pointed ears, whiskers, small nose, slender tail.
    Feline,
    /// Horses, unicorns, pegasi, kelpies, centaurs: long face, mane, hooves.
    Equine,
    /// Serpents and sea monsters: coils or humps, a long neck, a forked tongue.
    Serpent,
    /// Krakens, octopuses, jellyfish: tentacles.
    Aquatic,
    /// Fish, sharks, merfolk: fins and a fish tail.
    Fish,
    /// Insects and arachnids: segments, thin legs, antennae, mandibles.
    Insect,
    /// Treants, mandrakes, dryads, fungi: bark, leaves or a mushroom cap.
    Plant,
    /// Skeletons, zombies, liches, vampires, wraiths: a skull face and ribs.
    Undead,
    /// Goblins, trolls, elves, dwarves, orcs, imps, demons: arms, pointed ears, a tunic.
    Humanoid,
    /// Ghosts, slimes: a soft blob with a wavy hem.
    Blob,
    /// Golems, constructs: blocky.
    Construct,
}

impl BodyPlan {
    /// Every plan, in a fixed order (the fallback for unknown species draws from it).
    pub const ALL: [BodyPlan; 15] = [
        BodyPlan::Reptile,
        BodyPlan::Avian,
        BodyPlan::Beast,
        BodyPlan::Canine,
        BodyPlan::Feline,
        BodyPlan::Equine,
        BodyPlan::Serpent,
        BodyPlan::Aquatic,
        BodyPlan::Fish,
        BodyPlan::Insect,
        BodyPlan::Plant,
        BodyPlan::Undead,
        BodyPlan::Humanoid,
        BodyPlan::Blob,
        BodyPlan::Construct,
    ];
}

/// What a species word implies beyond its plan, as a small set of flags.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Hints(u16);

impl Hints {
    /// Nothing beyond the plan.
    pub const NONE: Hints = Hints(0);
    /// Wings (a dragon, a pegasus, a bee).
    pub const WINGS: Hints = Hints(1);
    /// Horns, a unicorn's horn, a lich's crown.
    pub const HORNS: Hints = Hints(1 << 1);
    /// A tail where the plan has none by default (a demon's, a scorpion's sting).
    pub const TAIL: Hints = Hints(1 << 2);
    /// Seen in water (a lake monster's humps).
    pub const WATER: Hints = Hints(1 << 3);
    /// Eight legs and many eyes (spiders).
    pub const ARACHNID: Hints = Hints(1 << 4);
    /// A mushroom cap instead of leaves.
    pub const FUNGUS: Hints = Hints(1 << 5);
    /// A vampire's high collar and fangs.
    pub const CAPE: Hints = Hints(1 << 6);
    /// A beard (dwarves, gnomes, giants).
    pub const BEARD: Hints = Hints(1 << 7);
    /// Tusks (orcs, trolls, ogres, boars).
    pub const TUSKS: Hints = Hints(1 << 8);
    /// Gossamer insect wings rather than bat wings (fairies, pixies).
    pub const GOSSAMER: Hints = Hints(1 << 9);
    /// A human head on the plan's body (centaurs, merfolk, nagas, sphinxes, harpies).
    pub const HUMAN_HEAD: Hints = Hints(1 << 10);
    /// A lion's mane.
    pub const MANE: Hints = Hints(1 << 11);
    /// Feathered wings on a plan that would grow bat wings (angels).
    pub const FEATHERS: Hints = Hints(1 << 12);
    /// A single eye (cyclopes).
    pub const ONE_EYE: Hints = Hints(1 << 13);

    /// Both sets of flags.
    pub const fn and(self, other: Hints) -> Hints {
        Hints(self.0 | other.0)
    }

    /// Whether every flag of `other` is set.
    pub fn has(self, other: Hints) -> bool {
        self.0 & other.0 == other.0
    }
}

/// What a species' words say about the drawing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Reading {
    /// The body plan.
    pub plan: BodyPlan,
    /// What the words add.
    pub hints: Hints,
}

use super::words::{PHRASES, WORDS};

fn find(word: &str) -> Option<Reading> {
    let exact = |word: &str| {
        WORDS
            .iter()
            .find(|(known, _, _)| *known == word)
            .map(|&(_, plan, hints)| Reading { plan, hints })
    };
    exact(word)
        .or_else(|| {
            word.strip_suffix("ves")
                .and_then(|stem| exact(&format!("{stem}f")))
        })
        .or_else(|| word.strip_suffix("es").and_then(exact))
        .or_else(|| word.strip_suffix('s').and_then(exact))
}

/// What the words of `species` say, if any of them is known.
pub fn read(species: &str) -> Option<Reading> {
    let lowered = species.to_lowercase();
    let words: Vec<&str> = lowered
        .split(|c: char| !c.is_alphanumeric())
        .filter(|word| !word.is_empty())
        .collect();
    let spaced = format!(" {} ", words.join(" "));
    PHRASES
        .iter()
        .find(|(phrase, _, _)| spaced.contains(&format!(" {phrase} ")))
        .map(|&(_, plan, hints)| Reading { plan, hints })
        .or_else(|| words.iter().rev().find_map(|word| find(word)))
        .or_else(|| {
            words.iter().rev().find_map(|word| {
                WORDS
                    .iter()
                    .filter(|(known, _, _)| known.len() >= 4 && word.ends_with(known))
                    .max_by_key(|(known, _, _)| known.len())
                    .map(|&(_, plan, hints)| Reading { plan, hints })
            })
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use BodyPlan::{
        Aquatic, Avian, Beast, Blob, Canine, Construct, Equine, Feline, Fish, Humanoid, Insect,
        Plant, Reptile, Serpent, Undead,
    };

    #[test]
    fn common_species_read_as_their_body_plan() {
        let table = [
            ("dragon", Reptile),
            ("Fire Dragon", Reptile),
            ("fire-breathing dragon", Reptile),
            ("Wyvern", Reptile),
            ("firedrake", Reptile),
            ("crocodile", Reptile),
            ("owl", Avian),
            ("Griffin", Avian),
            ("phoenix", Avian),
            ("giant eagle", Avian),
            ("bear", Beast),
            ("owlbear", Beast),
            ("minotaur", Beast),
            ("wolf", Canine),
            ("Dire Wolf", Canine),
            ("direwolf", Canine),
            ("werewolf", Canine),
            ("hellhound", Canine),
            ("arctic fox", Canine),
            ("jackal", Canine),
            ("dog", Canine),
            ("wolves", Canine),
            ("cat", Feline),
            ("snow leopard", Feline),
            ("lion", Feline),
            ("manticore", Feline),
            ("unicorn", Equine),
            ("Pegasus", Equine),
            ("horse", Equine),
            ("kelpie", Equine),
            ("centaur", Equine),
            ("nightmare", Equine),
            ("lake monster", Serpent),
            ("Loch Ness lake monster", Serpent),
            ("Nessie", Serpent),
            ("sea serpent", Serpent),
            ("leviathan", Serpent),
            ("naga", Serpent),
            ("frost wyrm", Serpent),
            ("kraken", Aquatic),
            ("jellyfish", Aquatic),
            ("fish", Fish),
            ("mermaid", Fish),
            ("catfish", Fish),
            ("spider", Insect),
            ("wolf spider", Insect),
            ("giant beetle", Insect),
            ("praying mantis", Insect),
            ("scarab", Insect),
            ("fire ant", Insect),
            ("dragonfly", Insect),
            ("treant", Plant),
            ("mandrake", Plant),
            ("dryad", Plant),
            ("mushroom", Plant),
            ("skeleton", Undead),
            ("zombie", Undead),
            ("lich", Undead),
            ("vampire", Undead),
            ("wraith", Undead),
            ("goblin", Humanoid),
            ("cave troll", Humanoid),
            ("ogre", Humanoid),
            ("frost giant", Humanoid),
            ("elf", Humanoid),
            ("dwarves", Humanoid),
            ("orc", Humanoid),
            ("imp", Humanoid),
            ("demon", Humanoid),
            ("ghost", Blob),
            ("slime", Blob),
            ("will-o'-the-wisp", Blob),
            ("golem", Construct),
            ("Stone Golem", Construct),
        ];
        assert!(table.len() >= 40);
        let wrong: Vec<_> = table
            .iter()
            .filter(|(species, plan)| read(species).map(|r| r.plan) != Some(*plan))
            .map(|(species, plan)| format!("{species}: {:?}, not {plan:?}", read(species)))
            .collect();
        assert!(wrong.is_empty(), "{wrong:#?}");
    }

    #[test]
    fn words_add_what_they_imply() {
        let has = |species: &str, hint: Hints| read(species).is_some_and(|r| r.hints.has(hint));
        assert!(has("unicorn", Hints::HORNS));
        assert!(has("Pegasus", Hints::WINGS));
        assert!(!has("horse", Hints::WINGS));
        assert!(has("Loch Ness lake monster", Hints::WATER));
        assert!(has("house spider", Hints::ARACHNID));
        assert!(has("mountain dwarf", Hints::BEARD));
    }

    #[test]
    fn unknown_words_have_no_reading_and_short_words_do_not_match_inside_others() {
        assert_eq!(read("quibblesnatch"), None);
        assert_eq!(read(""), None);
        // "ant" is in "elephant" and "giant", "imp" in "shrimp": whole words only.
        assert_eq!(read("shrimp"), None);
        assert_eq!(read("elephant").map(|r| r.plan), Some(Beast));
        assert_eq!(read("giant").map(|r| r.plan), Some(Humanoid));
    }
}
