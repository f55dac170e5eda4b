//! The domain's own rules, checked in the browser before a command is sent, and every refusal
//! (the browser's or the API's) put in a person's words: "Name must be at most 80 characters."
//! The API checks the same rules again; this only spares a round trip and says it kindly.

use crate::api::FieldErrors;
use domain::values::ValidationError;

/// The label a form shows for a field the API names.
pub fn label(field: &str) -> &str {
    match field {
        "name" => "Name",
        "species" => "Species",
        "description" => "Description",
        "traits" => "Traits",
        "tags" => "Tags",
        "email" => "E-mail",
        "password" => "Password",
        "display_name" => "Display name",
        "role" => "Role",
        other => other,
    }
}

/// A refusal of `field` as a sentence: its label, then the rule, in plain quotes.
pub fn sentence(field: &str, message: &str) -> String {
    let message = message
        .replace("bytes (bcrypt's limit)", "bytes")
        .replace(" bytes", " characters (accents and emoji count double)")
        .replace(
            "at least 8 characters (accents and emoji count double)",
            "at least 8 characters",
        );
    let mut quoted = String::with_capacity(message.len());
    let mut open = true;
    for character in message.chars() {
        if character == '`' {
            quoted.push(if open { '“' } else { '”' });
            open = !open;
        } else {
            quoted.push(character);
        }
    }
    let mut sentence = format!("{} {quoted}", label(field));
    if !sentence.ends_with('.') {
        sentence.push('.');
    }
    sentence
}

/// Records a refusal of one field, if `checked` is one.
pub fn check<T>(errors: &mut FieldErrors, field: &str, checked: Result<T, ValidationError>) {
    if let Err(error) = checked {
        errors
            .entry(field.to_owned())
            .or_insert_with(|| sentence(field, &error.message));
    }
}

/// A length as a field's counter shows it: characters after trimming, as the domain counts.
pub fn length(value: &str) -> usize {
    value.trim().chars().count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals_read_as_sentences() {
        assert_eq!(
            sentence("name", "must be at most 80 characters"),
            "Name must be at most 80 characters."
        );
        assert_eq!(
            sentence(
                "name",
                "must hold only letters, digits, spaces, `-`, `_` and `.`, not `!`"
            ),
            "Name must hold only letters, digits, spaces, “-”, “_” and “.”, not “!”."
        );
        assert_eq!(
            sentence("password", "must be at most 72 bytes (bcrypt's limit)"),
            "Password must be at most 72 characters (accents and emoji count double)."
        );
        assert_eq!(
            sentence("password", "must be at least 8 bytes"),
            "Password must be at least 8 characters."
        );
    }
}
