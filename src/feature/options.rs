//! The options a project gives a Feature, checked against what the Feature declares and
//! turned into the environment install.sh runs with: each option upper-cased with
//! non-word characters as `_` (`toolVersion` → `TOOLVERSION`), defaults filled in.

use std::collections::BTreeMap;

use serde_json::Value;

use super::manifest::{FeatureManifest, OptionKind};
use super::FeatureError;

/// What devcontainer.json asks of a Feature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Requested {
    /// `false`: listed, but not to be installed.
    Skipped,
    /// The options (after the shorthands: `true` is none, `"1.2"` is `version`).
    Options(BTreeMap<String, Value>),
}

impl Requested {
    /// Read a value of the `features` map.
    ///
    /// # Errors
    ///
    /// [`FeatureError::Option`] for a value that is neither an object, a string nor a
    /// boolean.
    pub fn of(feature: &str, value: &Value) -> Result<Self, FeatureError> {
        match value {
            Value::Bool(false) => Ok(Self::Skipped),
            Value::Bool(true) | Value::Null => Ok(Self::Options(BTreeMap::new())),
            Value::String(version) => Ok(Self::Options(BTreeMap::from([(
                "version".to_owned(),
                Value::String(version.clone()),
            )]))),
            Value::Object(map) => Ok(Self::Options(
                map.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
            )),
            _ => Err(FeatureError::Option {
                feature: feature.to_owned(),
                option: String::new(),
                message: "the value must be an object of options, a version string or true"
                    .to_owned(),
            }),
        }
    }
}

/// The name of the environment variable install.sh reads an option from.
pub fn env_name(option: &str) -> String {
    let replaced: String = option
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let trimmed = replaced.trim_start_matches(|c: char| c.is_ascii_digit() || c == '_');
    let name = if trimmed.len() == replaced.len() {
        replaced
    } else {
        format!("_{trimmed}")
    };
    name.to_uppercase()
}

/// The option values install.sh sees (by option name, defaults filled in), and warnings
/// for values Berth accepted loosely.
///
/// # Errors
///
/// [`FeatureError::Option`]: an option the Feature does not have, a value of the wrong
/// type, a string outside the option's `enum`.
pub fn resolve(
    feature: &str,
    manifest: &FeatureManifest,
    given: &BTreeMap<String, Value>,
) -> Result<(BTreeMap<String, String>, Vec<String>), FeatureError> {
    let mut values: BTreeMap<String, String> = manifest
        .options
        .iter()
        .filter_map(|(name, spec)| spec.default.clone().map(|d| (name.clone(), d)))
        .collect();
    let mut warnings = Vec::new();
    for (name, value) in given {
        let fail = |message: String| FeatureError::Option {
            feature: feature.to_owned(),
            option: name.clone(),
            message,
        };
        let Some(spec) = manifest.options.get(name) else {
            let known: Vec<&str> = manifest.options.keys().map(String::as_str).collect();
            return Err(fail(if known.is_empty() {
                "the Feature takes no options".to_owned()
            } else {
                format!(
                    "the Feature has no such option; it has: {}",
                    known.join(", ")
                )
            }));
        };
        let text = match (&spec.kind, value) {
            (OptionKind::Boolean, Value::Bool(b)) => b.to_string(),
            (OptionKind::Boolean, Value::String(s)) if s == "true" || s == "false" => {
                warnings.push(format!(
                    "Feature '{feature}': option `{name}` is a boolean; write {s} without quotes"
                ));
                s.clone()
            }
            (OptionKind::Boolean, other) => {
                return Err(fail(format!("expected true or false, found {other}")))
            }
            (OptionKind::String { allowed }, value) => {
                let text = match value {
                    Value::String(s) => s.clone(),
                    Value::Number(n) => {
                        warnings.push(format!(
                            "Feature '{feature}': option `{name}` is a string; {n} is passed as \"{n}\""
                        ));
                        n.to_string()
                    }
                    other => return Err(fail(format!("expected a string, found {other}"))),
                };
                if !allowed.is_empty() && !allowed.contains(&text) {
                    return Err(fail(format!(
                        "\"{text}\" is not one of the allowed values: {}",
                        allowed.join(", ")
                    )));
                }
                text
            }
        };
        values.insert(name.clone(), text);
    }
    Ok((values, warnings))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn manifest() -> FeatureManifest {
        FeatureManifest::from_json(&json!({
            "id": "hello",
            "options": {
                "greeting": {"type": "string", "default": "hey"},
                "shout": {"type": "boolean", "default": false},
                "flavour": {"type": "string", "enum": ["a", "b"], "default": "a"},
                "version": {"type": "string", "default": "latest"}
            }
        }))
        .unwrap()
    }

    fn given(value: Value) -> BTreeMap<String, Value> {
        match Requested::of("hello", &value).unwrap() {
            Requested::Options(map) => map,
            Requested::Skipped => panic!("skipped"),
        }
    }

    #[test]
    fn env_names_are_upper_cased_with_non_word_characters_as_underscores() {
        assert_eq!(env_name("toolVersion"), "TOOLVERSION");
        assert_eq!(env_name("install-zsh"), "INSTALL_ZSH");
        assert_eq!(env_name("1st"), "_ST");
    }

    #[test]
    fn defaults_fill_what_is_not_given_and_shorthands_expand() {
        let (values, warnings) = resolve("hello", &manifest(), &given(json!("1.2"))).unwrap();
        assert_eq!(values["version"], "1.2");
        assert_eq!(values["greeting"], "hey");
        assert_eq!(values["shout"], "false");
        assert!(warnings.is_empty());
        let (values, _) = resolve("hello", &manifest(), &given(json!(true))).unwrap();
        assert_eq!(values["version"], "latest");
        assert_eq!(
            Requested::of("x", &json!(false)).unwrap(),
            Requested::Skipped
        );
    }

    #[test]
    fn loose_values_are_passed_as_text_with_a_warning() {
        let (values, warnings) = resolve(
            "hello",
            &manifest(),
            &given(json!({"greeting": 3, "shout": "true"})),
        )
        .unwrap();
        assert_eq!(
            (values["greeting"].as_str(), values["shout"].as_str()),
            ("3", "true")
        );
        assert_eq!(warnings.len(), 2);
    }

    #[test]
    fn unknown_options_wrong_types_and_values_outside_the_enum_are_refused() {
        for (value, says) in [
            (
                json!({"colour": "red"}),
                "no such option; it has: flavour, greeting, shout, version",
            ),
            (json!({"shout": "loud"}), "expected true or false"),
            (json!({"greeting": ["a"]}), "expected a string"),
            (json!({"flavour": "c"}), "allowed values: a, b"),
        ] {
            let err = resolve("hello", &manifest(), &given(value))
                .unwrap_err()
                .to_string();
            assert!(err.contains(says) && err.contains("hello"), "{err}");
        }
        assert!(Requested::of("x", &json!(3)).is_err());
    }
}
