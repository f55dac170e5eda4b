//! Draws the avatar contact sheet: 24 species, one of each body plan and some variants, in a
//! labelled grid, plus the two portraits the README shows.
//!
//! `cargo run -p ai-service --example contact_sheet -- docs/avatars` writes
//! `contact-sheet.png`, `smaug.png` and `hoot.png` there. Given species after the folder
//! (`-- /tmp/review "dire wolf" kelpie naga`), it draws a sheet of those instead, to look at.

use ai_service::generator::portrait;
use resvg::{tiny_skia, usvg};
use serde_json::{Map, Value, json};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// The sheet's species, with a name for each (the name seeds the small choices).
const SHEET: [(&str, &str); 24] = [
    ("Fire Dragon", "Smaug"),
    ("Owl", "Hoot"),
    ("Bear", "Bruin"),
    ("Dire Wolf", "Ghost"),
    ("Fox", "Reynard"),
    ("Cat", "Tom"),
    ("Lion", "Leo"),
    ("Unicorn", "Moonbeam"),
    ("Pegasus", "Zephyr"),
    ("Lake Monster", "Nessie"),
    ("Serpent", "Kaa"),
    ("Kraken", "Inky"),
    ("Goldfish", "Bubbles"),
    ("Spider", "Charlotte"),
    ("Bee", "Buzz"),
    ("Treant", "Oakheart"),
    ("Mushroom", "Morel"),
    ("Skeleton", "Rattles"),
    ("Vampire", "Vlad"),
    ("Goblin", "Snik"),
    ("Dwarf", "Gimli"),
    ("Demon", "Azra"),
    ("Ghost", "Boo"),
    ("Golem", "Clay"),
];

const COLUMNS: u32 = 6;
/// The side of one portrait, in pixels; `CONTACT_SHEET_CELL` changes it (to look closer).
const CELL: u32 = 160;
const LABEL: u32 = 26;
const GAP: u32 = 8;

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let Some(dir) = args.next().map(PathBuf::from) else {
        eprintln!("usage: contact_sheet DIR [SPECIES...]");
        return ExitCode::FAILURE;
    };
    let asked: Vec<String> = args.collect();
    let result = if asked.is_empty() {
        let cells: Vec<_> = SHEET
            .iter()
            .map(|(species, name)| ((*species).to_owned(), (*name).to_owned()))
            .collect();
        sheet(&dir.join("contact-sheet.png"), &cells)
            .and_then(|()| {
                single(
                    &dir.join("smaug.png"),
                    "smaug",
                    "Smaug",
                    "Fire Dragon",
                    &json!({}),
                )
            })
            .and_then(|()| {
                single(
                    &dir.join("hoot.png"),
                    "creature-hoot",
                    "Hoot",
                    "owl",
                    &json!({"colour": "blue"}),
                )
            })
    } else {
        let cells: Vec<_> = asked
            .iter()
            .enumerate()
            .map(|(i, species)| (species.clone(), format!("review-{i}")))
            .collect();
        sheet(&dir.join("contact-sheet.png"), &cells)
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("{error}");
            ExitCode::FAILURE
        }
    }
}

fn svg_tree(svg: &str) -> Result<usvg::Tree, String> {
    usvg::Tree::from_str(svg, &usvg::Options::default()).map_err(|error| error.to_string())
}

fn save(pixmap: &tiny_skia::Pixmap, path: &Path) -> Result<(), String> {
    pixmap
        .save_png(path)
        .map_err(|error| format!("cannot write {}: {error}", path.display()))?;
    println!("wrote {}", path.display());
    Ok(())
}

/// One portrait, 256 px, as the README shows it.
fn single(
    path: &Path,
    seed: &str,
    name: &str,
    species: &str,
    traits: &Value,
) -> Result<(), String> {
    let traits = traits.as_object().cloned().unwrap_or_default();
    let png = ai_service::raster::png(&portrait(seed, name, species, &traits), 256)
        .map_err(|error| error.to_string())?;
    std::fs::write(path, png)
        .map_err(|error| format!("cannot write {}: {error}", path.display()))?;
    println!("wrote {}", path.display());
    Ok(())
}

/// A grid of portraits, each labelled with its species.
fn sheet(path: &Path, cells: &[(String, String)]) -> Result<(), String> {
    let cell = std::env::var("CONTACT_SHEET_CELL")
        .ok()
        .and_then(|size| size.parse().ok())
        .unwrap_or(CELL);
    let count = u32::try_from(cells.len()).map_err(|_| "too many species")?;
    let rows = count.div_ceil(COLUMNS).max(1);
    let (width, height) = (
        GAP + COLUMNS * (cell + GAP),
        GAP + rows * (cell + LABEL + GAP),
    );
    let mut pixmap = tiny_skia::Pixmap::new(width, height).ok_or("bad sheet size")?;
    pixmap.fill(tiny_skia::Color::WHITE);
    for (i, (species, name)) in (0..).zip(cells) {
        let (x, y) = (
            (GAP + (i % COLUMNS) * (cell + GAP)) as f32,
            (GAP + (i / COLUMNS) * (cell + LABEL + GAP)) as f32,
        );
        let tree = svg_tree(&portrait(&name.to_lowercase(), name, species, &Map::new()))?;
        let scale = cell as f32 / tree.size().width();
        resvg::render(
            &tree,
            tiny_skia::Transform::from_row(scale, 0.0, 0.0, scale, x, y),
            &mut pixmap.as_mut(),
        );
        let label = svg_tree(&label(species, cell))?;
        resvg::render(
            &label,
            tiny_skia::Transform::from_translate(x, y + cell as f32 + 4.0),
            &mut pixmap.as_mut(),
        );
    }
    save(&pixmap, path)
}

/// Strokes on a 4 × 6 grid, for the letters the labels use (resvg is built without text).
fn glyph(c: char) -> &'static str {
    match c {
        'A' => "0,6 0,2 2,0 4,2 4,6|0,3 4,3",
        'B' => "0,0 0,6 3,6 4,5 4,4 3,3 0,3|0,0 3,0 4,1 4,2 3,3",
        'C' => "4,1 3,0 1,0 0,1 0,5 1,6 3,6 4,5",
        'D' => "0,0 0,6 2,6 4,4 4,2 2,0 0,0",
        'E' => "4,0 0,0 0,6 4,6|0,3 3,3",
        'F' => "4,0 0,0 0,6|0,3 3,3",
        'G' => "4,1 3,0 1,0 0,1 0,5 1,6 3,6 4,5 4,3 2,3",
        'H' => "0,0 0,6|4,0 4,6|0,3 4,3",
        'I' => "1,0 3,0|2,0 2,6|1,6 3,6",
        'J' => "4,0 4,5 3,6 1,6 0,5",
        'K' => "0,0 0,6|4,0 0,3 4,6",
        'L' => "0,0 0,6 4,6",
        'M' => "0,6 0,0 2,3 4,0 4,6",
        'N' => "0,6 0,0 4,6 4,0",
        'O' => "1,0 3,0 4,1 4,5 3,6 1,6 0,5 0,1 1,0",
        'P' => "0,6 0,0 3,0 4,1 4,2 3,3 0,3",
        'Q' => "1,0 3,0 4,1 4,5 3,6 1,6 0,5 0,1 1,0|2,4 4,6",
        'R' => "0,6 0,0 3,0 4,1 4,2 3,3 0,3|2,3 4,6",
        'S' => "4,1 3,0 1,0 0,1 0,2 1,3 3,3 4,4 4,5 3,6 1,6 0,5",
        'T' => "0,0 4,0|2,0 2,6",
        'U' => "0,0 0,5 1,6 3,6 4,5 4,0",
        'V' => "0,0 2,6 4,0",
        'W' => "0,0 1,6 2,3 3,6 4,0",
        'X' => "0,0 4,6|4,0 0,6",
        'Y' => "0,0 2,3 4,0|2,3 2,6",
        'Z' => "0,0 4,0 0,6 4,6",
        '-' => "1,3 3,3",
        '\'' => "2,0 2,2",
        _ => "",
    }
}

/// A species name in capitals, centred in a cell's width, as SVG strokes.
fn label(text: &str, cell: u32) -> String {
    let text: String = text.to_uppercase().chars().take(13).collect();
    let (unit, advance) = (2.0_f32, 12.0_f32);
    let width = advance * text.chars().count() as f32 - 2.0 * unit;
    let mut d = String::new();
    for (i, c) in text.chars().enumerate() {
        let x0 = (cell as f32 - width) / 2.0 + advance * i as f32;
        for stroke in glyph(c).split('|').filter(|s| !s.is_empty()) {
            for (j, point) in stroke.split(' ').enumerate() {
                let (x, y) = point.split_once(',').unwrap_or(("0", "0"));
                let (x, y): (f32, f32) = (x.parse().unwrap_or(0.0), y.parse().unwrap_or(0.0));
                d.push_str(&format!(
                    "{}{} {} ",
                    if j == 0 { 'M' } else { 'L' },
                    x0 + x * unit,
                    3.0 + y * unit * 1.5
                ));
            }
        }
    }
    format!(
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="{cell}" height="{LABEL}"><path d="{d}" fill="none" stroke="#333" stroke-width="2" stroke-linecap="round" stroke-linejoin="round"/></svg>"##
    )
}
