//! Small formatting helpers for what pages show.

use chrono::{DateTime, Utc};
use serde_json::Value;

/// A timestamp from the API in the reader's locale and time zone.
pub fn when(timestamp: &DateTime<Utc>) -> String {
    let millis = timestamp.timestamp_millis() as f64;
    let date = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(millis));
    String::from(date.to_locale_string("default", &wasm_bindgen::JsValue::UNDEFINED))
}

/// A timestamp as ISO 8601 text, for `<time datetime>`.
pub fn iso(timestamp: &DateTime<Utc>) -> String {
    let date = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(
        timestamp.timestamp_millis() as f64,
    ));
    String::from(date.to_iso_string())
}

/// How long ago a timestamp from the API was, in words ("3 minutes ago"); past a month, its date.
pub fn ago(timestamp: &DateTime<Utc>) -> String {
    let millis = timestamp.timestamp_millis() as f64;
    let seconds = ((js_sys::Date::now() - millis) / 1000.0).max(0.0) as u64;
    elapsed(seconds).unwrap_or_else(|| {
        let date = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(millis));
        String::from(date.to_locale_date_string("default", &wasm_bindgen::JsValue::UNDEFINED))
    })
}

/// A span of seconds as "just now", "N minutes ago", "N hours ago", "yesterday" or "N days
/// ago"; `None` past 30 days.
pub fn elapsed(seconds: u64) -> Option<String> {
    let plural =
        |count: u64, unit: &str| format!("{count} {unit}{} ago", if count == 1 { "" } else { "s" });
    Some(match seconds {
        0..45 => "just now".to_owned(),
        45..3_600 => plural((seconds / 60).max(1), "minute"),
        3_600..86_400 => plural(seconds / 3_600, "hour"),
        86_400..172_800 => "yesterday".to_owned(),
        172_800..2_592_000 => plural(seconds / 86_400, "day"),
        _ => return None,
    })
}

/// A duration in words: "under a second", "12 seconds", "3 minutes", "2 hours 5 minutes".
pub fn duration(seconds: f64) -> String {
    let whole = seconds.round() as u64;
    let unit =
        |count: u64, unit: &str| format!("{count} {unit}{}", if count == 1 { "" } else { "s" });
    match whole {
        _ if seconds < 1.0 => "under a second".to_owned(),
        0..60 => unit(whole, "second"),
        60..3_600 => unit(whole / 60, "minute"),
        _ if whole % 3_600 < 60 => unit(whole / 3_600, "hour"),
        _ => format!(
            "{} {}",
            unit(whole / 3_600, "hour"),
            unit(whole % 3_600 / 60, "minute")
        ),
    }
}

/// A trait's value as text.
pub fn trait_value(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

/// A trait value typed into a form: a number or `true`/`false` when it reads as one.
pub fn parse_trait_value(text: &str) -> Value {
    let text = text.trim();
    match text {
        "true" => Value::Bool(true),
        "false" => Value::Bool(false),
        _ => text
            .parse::<i64>()
            .map(Value::from)
            .or_else(|_| text.parse::<f64>().map(Value::from))
            .unwrap_or_else(|_| Value::String(text.to_owned())),
    }
}

/// An event type as words: `CreatureTagged` → `Creature tagged`.
pub fn event_title(event_type: &str) -> String {
    let mut title = String::new();
    for (index, character) in event_type.chars().enumerate() {
        if character.is_uppercase() && index > 0 {
            title.push(' ');
            title.extend(character.to_lowercase());
        } else {
            title.push(character);
        }
    }
    title
}

#[cfg(test)]
mod duration_tests {
    use super::duration;

    #[test]
    fn durations_read_as_words() {
        assert_eq!(duration(0.4), "under a second");
        assert_eq!(duration(1.0), "1 second");
        assert_eq!(duration(42.0), "42 seconds");
        assert_eq!(duration(125.0), "2 minutes");
        assert_eq!(duration(7_200.0), "2 hours");
        assert_eq!(duration(7_500.0), "2 hours 5 minutes");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn spans_read_as_words() {
        assert_eq!(elapsed(3).as_deref(), Some("just now"));
        assert_eq!(elapsed(50).as_deref(), Some("1 minute ago"));
        assert_eq!(elapsed(180).as_deref(), Some("3 minutes ago"));
        assert_eq!(elapsed(3_600).as_deref(), Some("1 hour ago"));
        assert_eq!(elapsed(90_000).as_deref(), Some("yesterday"));
        assert_eq!(elapsed(5 * 86_400).as_deref(), Some("5 days ago"));
        assert_eq!(elapsed(40 * 86_400), None);
    }

    #[test]
    fn typed_trait_values_keep_numbers_and_booleans() {
        assert_eq!(parse_trait_value(" 4 "), json!(4));
        assert_eq!(parse_trait_value("2.5"), json!(2.5));
        assert_eq!(parse_trait_value("true"), json!(true));
        assert_eq!(parse_trait_value("fire"), json!("fire"));
        assert_eq!(trait_value(&json!("fire")), "fire");
        assert_eq!(trait_value(&json!(4)), "4");
    }

    #[test]
    fn event_types_read_as_words() {
        assert_eq!(
            event_title("AvatarGenerationFailed"),
            "Avatar generation failed"
        );
    }
}
