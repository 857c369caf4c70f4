//! Ids arrive as JSON numbers, or as numeric strings in seed 001's style (`"123"`).

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
