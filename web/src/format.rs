//! Small formatting helpers for what pages show.

use chrono::{DateTime, Utc};
use serde_json::Value;

/// A timestamp from the API in the reader's locale and time zone.
pub fn when(timestamp: &DateTime<Utc>) -> String {
    let millis = timestamp.timestamp_millis() as f64;
    let date = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(millis));
    String::from(date.to_locale_string("default", &wasm_bindgen::JsValue::UNDEFINED))
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
mod tests {
    use super::*;
    use serde_json::json;

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
