//! Hand-written deserializers: ids that arrive as JSON numbers or as numeric strings in seed
//! 001's style (`"123"`), and "a string or an object" content without serde's buffering.

use serde::de::{self, Deserializer, Visitor};
use std::fmt;

use crate::Id;

struct IdVisitor;

impl Visitor<'_> for IdVisitor {
    type Value = Id;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a positive integer id (number or numeric string)")
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Id, E> {
        if v > 0 {
            Ok(v)
        } else {
            Err(E::custom("an id must be a positive integer"))
        }
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Id, E> {
        i64::try_from(v).map_err(|_| E::custom("id out of range")).and_then(|v| self.visit_i64(v))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Id, E> {
        v.trim()
            .parse::<i64>()
            .map_err(|_| E::custom(format!("`{v}` is not a numeric id")))
            .and_then(|v| self.visit_i64(v))
    }
}

pub fn id_from_number_or_string<'de, D: Deserializer<'de>>(d: D) -> Result<Id, D::Error> {
    d.deserialize_any(IdVisitor)
}

pub fn opt_id_from_number_or_string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Id>, D::Error> {
    struct OptVisitor;
    impl<'de> Visitor<'de> for OptVisitor {
        type Value = Option<Id>;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a positive integer id, a numeric string, or null")
        }
        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            id_from_number_or_string(d).map(Some)
        }
    }
    d.deserialize_option(OptVisitor)
}

/// A string (made into `T` by `text`) or an object (read as `O`, made into `T` by `object`),
/// decided by the first token; anything else is an error that says `expecting`.
pub(crate) fn string_or_object<'de, D, T, O>(
    d: D,
    expecting: &'static str,
    text: fn(String) -> T,
    object: fn(O) -> T,
) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    O: serde::Deserialize<'de>,
{
    struct V<T, O> {
        expecting: &'static str,
        text: fn(String) -> T,
        object: fn(O) -> T,
    }
    impl<'de, T, O: serde::Deserialize<'de>> Visitor<'de> for V<T, O> {
        type Value = T;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str(self.expecting)
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<T, E> {
            Ok((self.text)(v.to_string()))
        }
        fn visit_map<A: de::MapAccess<'de>>(self, map: A) -> Result<T, A::Error> {
            O::deserialize(de::value::MapAccessDeserializer::new(map)).map(self.object)
        }
    }
    d.deserialize_any(V { expecting, text, object })
}
