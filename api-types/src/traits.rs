//! The schema of a creature's traits, which travel as a plain JSON object.

use utoipa::openapi::schema::{AdditionalProperties, ObjectBuilder, OneOfBuilder, Type};
use utoipa::openapi::{RefOr, Schema};
use utoipa::{PartialSchema, ToSchema};

/// A flat object of named scalar values (in the OpenAPI document).
pub struct Traits;

impl PartialSchema for Traits {
    fn schema() -> RefOr<Schema> {
        let scalar = OneOfBuilder::new()
            .item(ObjectBuilder::new().schema_type(Type::Boolean))
            .item(ObjectBuilder::new().schema_type(Type::Number))
            .item(
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .max_length(Some(200)),
            );
        ObjectBuilder::new()
            .schema_type(Type::Object)
            .description(Some(
                "A flat object of named scalar values: at most 32 entries; each name 1-40 \
                 characters (trimmed) without control characters, each value a boolean, a number, \
                 or a string of at most 200 characters (trimmed). Nested objects, arrays and null \
                 are refused, as are two names equal after trimming.",
            ))
            .max_properties(Some(32))
            .property_names(Some(
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .min_length(Some(1))
                    .max_length(Some(40)),
            ))
            .additional_properties(Some(AdditionalProperties::RefOr(RefOr::T(Schema::OneOf(
                scalar.build(),
            )))))
            .examples([serde_json::json!({"wings": 2, "fiery": true, "colour": "red"})])
            .into()
    }
}

impl ToSchema for Traits {}
