//! Personal data that may have been forgotten. A person's data is stored encrypted with a key
//! of their own; forgetting them destroys the key (crypto-shredding), after which every copy of
//! the data reads as [`Personal::Forgotten`].

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A value that identifies a person: known, or forgotten for good.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Personal<T> {
    /// The value, readable.
    Known(T),
    /// Its subject was forgotten: the key that decrypted it is gone.
    Forgotten,
}

impl<T> Personal<T> {
    /// The value, unless forgotten.
    pub fn known(&self) -> Option<&T> {
        match self {
            Personal::Known(value) => Some(value),
            Personal::Forgotten => None,
        }
    }

    /// Whether the value is forgotten.
    pub fn is_forgotten(&self) -> bool {
        matches!(self, Personal::Forgotten)
    }
}

impl<T> From<T> for Personal<T> {
    fn from(value: T) -> Self {
        Personal::Known(value)
    }
}

/// A known value as itself, a forgotten one as `null`.
impl<T: Serialize> Serialize for Personal<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.known().serialize(serializer)
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Personal<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Ok(Option::<T>::deserialize(deserializer)?.map_or(Personal::Forgotten, Personal::Known))
    }
}
