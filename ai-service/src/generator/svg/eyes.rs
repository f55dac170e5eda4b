//! The eyes: round, slit (cats, reptiles, serpents), glossy (insects) or hollow sockets (skulls).

use super::face::skull;
use super::head::Head;
use super::{ellipse, hsl, put};
use crate::generator::features::Features;
use crate::generator::{BodyPlan, Hints};
use std::fmt::Write;

/// The eyes: round, slit, glossy (insects) or hollow sockets (skulls).
pub(super) fn eyes(svg: &mut String, f: &Features, plan: BodyPlan, h: Head) {
    let count = f.eyes.max(1);
    let (dy, spread, scale) = match plan {
        BodyPlan::Equine => (-0.3, 1.0, 0.85),
        BodyPlan::Serpent => (-0.02, 1.1, 0.9),
        BodyPlan::Undead => (-0.1, 0.95, 1.0),
        BodyPlan::Plant if f.hints.has(Hints::FUNGUS) => (0.05, 0.9, 0.9),
        _ => (-0.12, 1.05, 1.0),
    };
    let (cx, cy, r) = (h.x, h.y + dy * h.r, h.r);
    let spread = r * if count == 1 { 0.0 } else { spread };
    let scale = if plan == BodyPlan::Insect && count > 2 {
        0.7
    } else {
        scale
    };
    let size = scale * (r * 0.34 / (f64::from(count).sqrt() * 0.8)).min(r * 0.36);
    let iris = f.accent.css();
    let slit = matches!(
        plan,
        BodyPlan::Feline | BodyPlan::Reptile | BodyPlan::Serpent
    );
    for i in 0..count {
        let t = if count == 1 {
            0.5
        } else {
            f64::from(i) / f64::from(count - 1)
        };
        let x = cx - spread / 2.0 + spread * t;
        let y = cy - (t - 0.5).abs() * r * 0.25 * f64::from(count.saturating_sub(2).min(1));
        if skull(f, plan) {
            // A hollow socket with a glowing point.
            ellipse(svg, (x, y), size * 1.05, size * 1.1, &hsl(0.0, 0.0, 10.0));
            put!(
                svg,
                r#"<circle cx="{x:.0}" cy="{:.0}" r="{:.0}" fill="{iris}" stroke-width="0"/>"#,
                y + size * 0.1,
                size * 0.3
            );
            continue;
        }
        if plan == BodyPlan::Insect {
            // A big glossy compound eye.
            ellipse(
                svg,
                (x, y),
                size * 1.05,
                size * 1.15,
                &hsl(f.accent.0, 40.0, 16.0),
            );
            for (dx, dy, rr) in [(-0.35, -0.4, 0.28), (0.25, 0.3, 0.12)] {
                put!(
                    svg,
                    r#"<circle cx="{:.0}" cy="{:.0}" r="{:.0}" fill="white" stroke-width="0"/>"#,
                    x + dx * size,
                    y + dy * size,
                    rr * size
                );
            }
            continue;
        }
        put!(
            svg,
            r#"<ellipse cx="{x:.0}" cy="{y:.0}" rx="{size:.0}" ry="{:.0}" fill="white" stroke-width="7"/>"#,
            size * 1.12
        );
        put!(
            svg,
            r#"<circle cx="{:.0}" cy="{:.0}" r="{:.0}" fill="{iris}" stroke-width="0"/>"#,
            x + size * 0.12,
            y + size * 0.1,
            size * 0.66
        );
        let (prx, pry) = if slit {
            (size * 0.14, size * 0.5)
        } else {
            (size * 0.36, size * 0.36)
        };
        put!(
            svg,
            r#"<ellipse cx="{:.0}" cy="{:.0}" rx="{prx:.0}" ry="{pry:.0}" fill="{}" stroke-width="0"/>"#,
            x + size * 0.15,
            y + size * 0.12,
            hsl(0.0, 0.0, 8.0)
        );
        put!(
            svg,
            r#"<circle cx="{:.0}" cy="{:.0}" r="{:.0}" fill="white" stroke-width="0"/>"#,
            x - size * 0.12,
            y - size * 0.2,
            size * 0.2
        );
    }
}
