//! The `.wslconfig` document against the fixture files in `tests/fixtures/wslconfig/`.

use super::*;
use proptest::prelude::*;

macro_rules! fixture {
    ($name:literal) => {
        include_bytes!(concat!("../../../tests/fixtures/wslconfig/", $name)).as_slice()
    };
}

const ALL_READABLE: [(&str, &[u8]); 8] = [
    ("no-wsl2-section", fixture!("no-wsl2-section.wslconfig")),
    ("crlf", fixture!("crlf.wslconfig")),
    ("inline-comments", fixture!("inline-comments.wslconfig")),
    ("bom", fixture!("bom.wslconfig")),
    ("docker-desktop", fixture!("docker-desktop.wslconfig")),
    ("empty", fixture!("empty.wslconfig")),
    ("no-final-newline", fixture!("no-final-newline.wslconfig")),
    (
        "continued",
        b"[wsl2]\nkernelCommandLine = a \\\n  b\nmemory=2GB\n",
    ),
];

fn parse(bytes: &[u8]) -> WslConfig {
    WslConfig::parse(bytes, Path::new("C:/Users/me/.wslconfig")).unwrap()
}

fn set_memory(bytes: &[u8], value: &str) -> String {
    let mut config = parse(bytes);
    config.set(Setting::Memory, value).unwrap();
    String::from_utf8(config.render()).unwrap()
}

#[test]
fn every_fixture_renders_back_byte_for_byte() {
    for (name, bytes) in ALL_READABLE {
        assert_eq!(parse(bytes).render(), bytes, "{name}");
    }
}

#[test]
fn setting_memory_on_a_crlf_file_changes_only_the_value() {
    assert_eq!(
        set_memory(fixture!("crlf.wslconfig"), "8GB"),
        "[wsl2]\r\nmemory=8GB\r\nprocessors=4\r\n\r\n# keep me\r\n[experimental]\r\nautoMemoryReclaim=gradual\r\n"
    );
}

#[test]
fn setting_memory_without_a_wsl2_section_appends_one_with_the_files_line_ends() {
    assert_eq!(
        set_memory(fixture!("no-wsl2-section.wslconfig"), "8GB"),
        "# WSL settings, Docker Desktop left this alone\n[experimental]\nsparseVhd=true\n\n[wsl2]\nmemory=8GB\n"
    );
}

#[test]
fn setting_memory_keeps_the_spacing_and_the_inline_comment() {
    assert_eq!(
        set_memory(fixture!("inline-comments.wslconfig"), "8GB"),
        "[wsl2]\nmemory = 8GB   # half of my RAM\nswap=2GB ; a semicolon note\nprocessors=4 # cores\n"
    );
}

#[test]
fn an_inline_hash_comment_is_not_part_of_the_value() {
    let config = parse(fixture!("inline-comments.wslconfig"));
    assert_eq!(config.get("memory").unwrap().value, "6GB");
    assert_eq!(config.get("processors").unwrap().value, "4");
}

#[test]
fn a_semicolon_after_a_value_is_part_of_the_value_as_wsl_reads_it() {
    let config = parse(fixture!("inline-comments.wslconfig"));
    assert_eq!(config.get("swap").unwrap().value, "2GB ; a semicolon note");
}

#[test]
fn setting_a_value_with_a_semicolon_note_keeps_the_note_as_a_hash_comment() {
    let mut config = parse(fixture!("inline-comments.wslconfig"));
    config.set(Setting::Swap, "8GB").unwrap();
    assert_eq!(
        String::from_utf8(config.render()).unwrap(),
        "[wsl2]\nmemory = 6GB   # half of my RAM\nswap=8GB # a semicolon note\nprocessors=4 # cores\n"
    );
    assert_eq!(config.get("swap").unwrap().value, "8GB");
}

#[test]
fn setting_memory_keeps_the_byte_order_mark() {
    let mut config = parse(fixture!("bom.wslconfig"));
    assert!(config.has_bom());
    config.set(Setting::Memory, "8GB").unwrap();
    assert_eq!(config.render(), b"\xEF\xBB\xBF[wsl2]\r\nmemory=8GB\r\n");
}

#[test]
fn a_new_key_goes_after_the_last_key_of_the_wsl2_section() {
    let mut config = parse(fixture!("docker-desktop.wslconfig"));
    config.set(Setting::Swap, "8GB").unwrap();
    config.set(Setting::Memory, "8GB").unwrap();
    assert_eq!(
        String::from_utf8(config.render()).unwrap(),
        "# Settings apply across all Linux distros running on WSL 2\r\n[wsl2]\r\n\r\n\
         # Limits VM memory to use no more than 4 GB\r\nmemory=8GB\r\n\r\n\
         # Sets the VM to use two virtual processors\r\nprocessors=2\r\n\r\n\
         localhostForwarding=true\r\nswap=8GB\r\n\r\n\
         [experimental]\r\nautoMemoryReclaim=gradual\r\nsparseVhd=true\r\n"
    );
    assert_eq!(config.get("swap").unwrap().line, 11);
    assert_eq!(config.get("memory").unwrap().line, 5);
}

#[test]
fn an_empty_file_gets_a_wsl2_section_with_crlf_line_ends() {
    assert_eq!(
        set_memory(fixture!("empty.wslconfig"), "8GB"),
        "[wsl2]\r\nmemory=8GB\r\n"
    );
}

#[test]
fn sections_and_keys_are_matched_ignoring_case_and_a_missing_last_newline_stays_missing() {
    let mut config = parse(fixture!("no-final-newline.wslconfig"));
    assert_eq!(config.get("swap").unwrap().value, "4GB");
    config.set(Setting::Swap, "8GB").unwrap();
    config.set(Setting::Memory, "8GB").unwrap();
    assert_eq!(
        String::from_utf8(config.render()).unwrap(),
        "[WSL2]\nSwap=8GB\nmemory=8GB"
    );
}

#[test]
fn removing_a_key_removes_every_entry_of_it_and_nothing_else() {
    let mut config = parse(b"[wsl2]\nmemory=4GB\nswap=1GB\n[wsl2]\nMEMORY=2GB\n");
    assert!(config.remove(Setting::Memory));
    assert_eq!(config.render(), b"[wsl2]\nswap=1GB\n[wsl2]\n");
    assert!(!config.remove(Setting::Memory));
}

#[test]
fn removing_the_last_line_keeps_the_file_without_a_last_newline() {
    let mut config = parse(b"[wsl2]\nswap=1GB\nmemory=4GB");
    config.remove(Setting::Memory);
    assert_eq!(config.render(), b"[wsl2]\nswap=1GB");
}

#[test]
fn the_first_of_two_entries_is_the_one_wsl_uses_and_the_second_is_warned_about() {
    let config = parse(b"[wsl2]\nmemory=4GB\nmemory=8GB\n");
    assert_eq!(config.get("memory").unwrap().value, "4GB");
    let warnings = config.warnings();
    assert_eq!(warnings.len(), 1);
    assert_eq!(warnings[0].line, 3);
    assert!(
        warnings[0].message.contains("first on line 2"),
        "{warnings:?}"
    );
}

#[test]
fn keys_outside_a_section_and_semicolon_lines_are_warned_about() {
    let config = parse(b"memory=4GB\n; old note\n[wsl2]\n");
    assert_eq!(config.get("memory"), None);
    let lines: Vec<usize> = config.warnings().iter().map(|w| w.line).collect();
    assert_eq!(lines, [1, 2]);
}

#[test]
fn quotes_and_escapes_are_read_as_wsl_reads_them() {
    let config = parse(b"[wsl2]\nkernel = \"C:\\\\my kernel\" # path\nswapFile=a\\tb  \n");
    assert_eq!(config.get("kernel").unwrap().value, "C:\\my kernel");
    assert_eq!(config.get("swapfile").unwrap().value, "a\tb");
}

#[test]
fn a_continued_value_spans_two_lines_and_the_next_key_is_numbered_after_them() {
    let config = parse(b"[wsl2]\nkernelCommandLine = a \\\n  b\nmemory=2GB\n");
    assert_eq!(config.get("kernelCommandLine").unwrap().value, "a   b");
    assert_eq!(config.get("memory").unwrap().line, 4);
}

#[test]
fn a_utf16_file_is_refused_and_named_as_utf16() {
    let err = WslConfig::parse(fixture!("utf16.wslconfig"), Path::new("x/.wslconfig")).unwrap_err();
    assert!(matches!(err, WslError::Utf16 { .. }), "{err:?}");
    let message = err.to_string();
    assert!(message.contains("UTF-16"), "{message}");
    assert!(message.contains("only as UTF-8"), "{message}");
    assert!(message.contains("x/.wslconfig"), "{message}");
    let no_bom = WslConfig::parse(b"[\0w\0s\0l\x002\0]\0", Path::new("x")).unwrap_err();
    assert!(matches!(
        no_bom,
        WslError::Utf16 {
            evidence: "it has NUL bytes",
            ..
        }
    ));
}

#[test]
fn a_file_in_a_windows_code_page_is_refused_with_its_line() {
    let err = WslConfig::parse(b"[wsl2]\n# caf\xE9\n", Path::new("x")).unwrap_err();
    assert!(matches!(err, WslError::NotUtf8 { line: 2, .. }), "{err:?}");
}

#[test]
fn an_unclosed_section_is_refused_with_its_line_number_and_text() {
    let err = WslConfig::parse(fixture!("unclosed-section.wslconfig"), Path::new("x")).unwrap_err();
    let WslError::InvalidLine {
        line,
        text,
        problem,
        ..
    } = &err
    else {
        panic!("{err:?}")
    };
    assert_eq!(*line, 3);
    assert_eq!(text, "[experimental");
    assert!(problem.contains("not closed"), "{problem}");
    assert!(err.to_string().contains("line 3"), "{err}");
}

#[test]
fn a_key_without_equals_is_refused_with_its_line_number() {
    let err = WslConfig::parse(fixture!("missing-equals.wslconfig"), Path::new("x")).unwrap_err();
    assert!(
        matches!(&err, WslError::InvalidLine { line: 2, text, .. } if text == "memory 8GB"),
        "{err:?}"
    );
}

#[test]
fn other_lines_wsl_cannot_read_are_refused() {
    for (text, line) in [
        (&b"[wsl2]\n8GB\n"[..], 2),
        (b"[wsl 2]\n", 1),
        (b"[wsl2] x\n", 1),
        (b"[wsl2]\nmemory=\"8GB\n", 2),
        (b"[wsl2]\nkernel=C:\\x\n", 2),
        (b"[wsl2]\nmy_key=1\n", 2),
    ] {
        match WslConfig::parse(text, Path::new("x")) {
            Err(WslError::InvalidLine { line: got, .. }) => assert_eq!(got, line, "{text:?}"),
            other => panic!("{text:?}: {other:?}"),
        }
    }
}

#[test]
fn values_berth_would_have_to_quote_are_refused_by_set() {
    let mut config = WslConfig::empty();
    for bad in ["", " 8GB", "8GB # x", "a\nb", "\"x\""] {
        assert!(
            matches!(
                config.set(Setting::Memory, bad),
                Err(WslError::InvalidValue { .. })
            ),
            "{bad:?}"
        );
    }
    assert_eq!(config.render(), b"");
}

proptest! {
    #[test]
    fn parsing_never_panics_and_what_parses_renders_back_unchanged(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
        if let Ok(config) = WslConfig::parse(&bytes, Path::new("x")) {
            prop_assert_eq!(config.render(), bytes);
        }
    }

    #[test]
    fn ini_like_text_renders_back_unchanged_and_setting_keeps_every_other_line(
        text in "([\\[\\]a-zA-Z0-9 =#;\"\\\\\t]{0,12}(\r\n|\n)){0,8}[a-z=\\[\\]#]{0,6}"
    ) {
        if let Ok(mut config) = WslConfig::parse(text.as_bytes(), Path::new("x")) {
            prop_assert_eq!(config.render(), text.as_bytes());
            config.set(Setting::Memory, "8GB").unwrap();
            let edited = config.render();
            let reparsed = WslConfig::parse(&edited, Path::new("x")).unwrap();
            prop_assert_eq!(reparsed.get("memory").map(|e| e.value), Some("8GB"));
            prop_assert_eq!(&reparsed.render(), &edited);
        }
    }
}
