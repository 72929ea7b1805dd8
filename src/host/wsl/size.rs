//! Sizes as `.wslconfig` writes them (`8GB`, `512MB`), read exactly the way WSL reads them.
//!
//! WSL's parser (`ParseMemorySize` in microsoft/WSL `src/shared/inc/stringshared.h`) takes
//! a whole decimal number followed by nothing (bytes) or by one of `B`, `K`/`KB`, `M`/`MB`,
//! `G`/`GB`, `T`/`TB` — upper case only, no space, powers of 1024. `8gb` and `8 GB` are
//! rejected there (WSL warns and falls back to its default), so in the file Berth reports
//! them as values WSL does not read; typed on Berth's command line, the unit's case is
//! forgiven and written back as WSL wants it.

use std::fmt;

const UNITS: [(&str, u64); 5] = [
    ("TB", 1 << 40),
    ("GB", 1 << 30),
    ("MB", 1 << 20),
    ("KB", 1 << 10),
    ("B", 1),
];

/// What WSL accepts, for messages.
pub const ACCEPTED_FORMS: &str =
    "a whole number immediately followed by B, KB, MB, GB or TB (upper case, no space), e.g. 8GB or 512MB";

/// An amount of memory or swap, in bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Size(u64);

/// Why a text is not a size WSL reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SizeProblem {
    /// Nothing was written.
    Empty,
    /// A minus sign: sizes cannot be negative.
    Negative,
    /// It does not start with a digit.
    NotANumber,
    /// A space between the number and its unit (or inside either).
    Space,
    /// A unit WSL does not know, e.g. `GiB`.
    UnknownUnit(String),
    /// A known unit in lower case (`8gb`), which WSL does not read.
    LowerCaseUnit(String),
    /// More bytes than fit in 64 bits.
    TooLarge,
}

impl fmt::Display for SizeProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Empty => write!(f, "it is empty; write {ACCEPTED_FORMS}"),
            Self::Negative => write!(f, "a size cannot be negative; write {ACCEPTED_FORMS}"),
            Self::NotANumber => write!(f, "it is not a number; write {ACCEPTED_FORMS}"),
            Self::Space => write!(f, "it has a space in it; write {ACCEPTED_FORMS}"),
            Self::UnknownUnit(unit) => write!(
                f,
                "'{unit}' is not a unit WSL knows; write {ACCEPTED_FORMS}"
            ),
            Self::LowerCaseUnit(unit) => write!(
                f,
                "WSL reads units only in upper case: write '{}' instead of '{unit}'",
                unit.to_ascii_uppercase()
            ),
            Self::TooLarge => write!(f, "it is too large; write {ACCEPTED_FORMS}"),
        }
    }
}

impl Size {
    /// `bytes` bytes.
    pub const fn from_bytes(bytes: u64) -> Self {
        Self(bytes)
    }

    /// `gb` gigabytes (GiB, as WSL counts).
    pub const fn from_gb(gb: u64) -> Self {
        Self(gb << 30)
    }

    /// The size in bytes.
    pub const fn bytes(self) -> u64 {
        self.0
    }

    /// Read `text` as WSL reads a size in `.wslconfig` (see the module comment).
    ///
    /// # Errors
    ///
    /// `text` is not a size WSL reads, and why.
    pub fn parse(text: &str) -> Result<Self, SizeProblem> {
        Self::parse_with(text, false)
    }

    /// Read a size typed by a person (`--memory 8gb`): as [`Size::parse`], but the unit's
    /// case does not matter. Its [`Display`](fmt::Display) form is what WSL reads.
    ///
    /// # Errors
    ///
    /// `text` is not a size, and why.
    pub fn parse_input(text: &str) -> Result<Self, SizeProblem> {
        Self::parse_with(text, true)
    }

    fn parse_with(text: &str, any_case: bool) -> Result<Self, SizeProblem> {
        if text.is_empty() {
            return Err(SizeProblem::Empty);
        }
        if text.starts_with('-') {
            return Err(SizeProblem::Negative);
        }
        let digits = text.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return Err(
                if text.trim().is_empty() || text.starts_with(char::is_whitespace) {
                    SizeProblem::Space
                } else {
                    SizeProblem::NotANumber
                },
            );
        }
        let number: u64 = text[..digits].parse().map_err(|_| SizeProblem::TooLarge)?;
        let unit = &text[digits..];
        if unit.contains(char::is_whitespace) {
            return Err(SizeProblem::Space);
        }
        if unit.is_empty() {
            return Ok(Self(number));
        }
        if let Some(factor) = unit_factor(unit) {
            return number
                .checked_mul(factor)
                .map(Self)
                .ok_or(SizeProblem::TooLarge);
        }
        match unit_factor(&unit.to_ascii_uppercase()) {
            Some(factor) if any_case => number
                .checked_mul(factor)
                .map(Self)
                .ok_or(SizeProblem::TooLarge),
            Some(_) => Err(SizeProblem::LowerCaseUnit(unit.to_owned())),
            None => Err(SizeProblem::UnknownUnit(unit.to_owned())),
        }
    }
}

/// The factor of a unit WSL reads: `B`, `KB`, … or their first letter.
fn unit_factor(unit: &str) -> Option<u64> {
    UNITS
        .iter()
        .find(|(name, _)| unit == *name || (unit.len() == 1 && name.starts_with(unit)))
        .map(|(_, factor)| *factor)
}

impl fmt::Display for Size {
    /// The shortest exact form WSL reads: `8GB`, `1536MB`, `0`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0 == 0 {
            return f.write_str("0");
        }
        let (name, factor) = UNITS
            .iter()
            .find(|(_, factor)| self.0.is_multiple_of(*factor))
            .copied()
            .unwrap_or(("B", 1));
        write!(f, "{}{name}", self.0 / factor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_units_wsl_reads_are_powers_of_1024() {
        assert_eq!(Size::parse("8GB"), Ok(Size::from_gb(8)));
        assert_eq!(Size::parse("8G"), Ok(Size::from_gb(8)));
        assert_eq!(Size::parse("512MB"), Ok(Size::from_bytes(512 << 20)));
        assert_eq!(Size::parse("1TB"), Ok(Size::from_bytes(1 << 40)));
        assert_eq!(Size::parse("64KB"), Ok(Size::from_bytes(64 << 10)));
        assert_eq!(Size::parse("100B"), Ok(Size::from_bytes(100)));
        assert_eq!(Size::parse("4096"), Ok(Size::from_bytes(4096)));
        assert_eq!(Size::parse("0"), Ok(Size::from_bytes(0)));
    }

    #[test]
    fn a_lower_case_unit_in_the_file_is_not_read_by_wsl() {
        let problem = Size::parse("8gb").unwrap_err();
        assert_eq!(problem, SizeProblem::LowerCaseUnit("gb".into()));
        assert!(
            problem.to_string().contains("write 'GB' instead of 'gb'"),
            "{problem}"
        );
    }

    #[test]
    fn a_lower_case_unit_typed_by_a_person_is_forgiven_and_written_as_wsl_wants() {
        let size = Size::parse_input("8gb").unwrap();
        assert_eq!(size, Size::from_gb(8));
        assert_eq!(size.to_string(), "8GB");
        assert_eq!(Size::parse_input("512mb").unwrap().to_string(), "512MB");
    }

    #[test]
    fn sizes_wsl_does_not_read_are_refused_with_the_accepted_forms() {
        assert_eq!(Size::parse_input("8 GiB"), Err(SizeProblem::Space));
        assert_eq!(
            Size::parse_input("8GiB"),
            Err(SizeProblem::UnknownUnit("GiB".into()))
        );
        assert_eq!(Size::parse_input("eight"), Err(SizeProblem::NotANumber));
        assert_eq!(Size::parse_input("-8GB"), Err(SizeProblem::Negative));
        assert_eq!(Size::parse_input(""), Err(SizeProblem::Empty));
        assert_eq!(
            Size::parse_input("8.5GB"),
            Err(SizeProblem::UnknownUnit(".5GB".into()))
        );
        assert_eq!(
            Size::parse_input("99999999999TB"),
            Err(SizeProblem::TooLarge)
        );
        let message = SizeProblem::UnknownUnit("GiB".into()).to_string();
        assert!(message.contains("B, KB, MB, GB or TB"), "{message}");
    }

    #[test]
    fn a_size_is_shown_in_its_largest_exact_unit() {
        assert_eq!(Size::from_gb(8).to_string(), "8GB");
        assert_eq!(Size::from_bytes(1536 << 20).to_string(), "1536MB");
        assert_eq!(Size::from_bytes(1 << 40).to_string(), "1TB");
        assert_eq!(Size::from_bytes(1000).to_string(), "1000B");
        assert_eq!(Size::from_bytes(0).to_string(), "0");
    }
}
