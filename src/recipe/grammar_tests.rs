//! Every grammar against good values, hostile ones, and the messages that name the rule.

use super::*;

#[test]
fn debian_package_names_follow_policy() {
    for good in [
        "git",
        "libgl1",
        "g++",
        "python3.11-venv",
        "libc6-dev",
        "0ad",
    ] {
        assert_eq!(good.parse::<AptPackage>().unwrap().as_str(), good);
    }
    for (bad, says) in [
        ("Git", "starts with a lowercase letter"),
        ("g", "at least two characters"),
        ("git;rm", "';' is not allowed"),
        ("git curl", "' ' is not allowed"),
        ("-y", "starts with"),
        ("libfoo_bar", "'_' is not allowed"),
        ("git$(id)", "'$' is not allowed"),
    ] {
        let message = bad.parse::<AptPackage>().unwrap_err().to_string();
        assert!(message.contains(&format!("'{bad}'")), "{message}");
        assert!(message.contains(says), "{bad}: {message}");
        assert!(message.contains("Debian Policy"), "{message}");
    }
}

#[test]
fn pip_requirements_are_pep508_and_normalised() {
    let r = "NumPy >= 1.26, <2".parse::<PipRequirement>().unwrap();
    assert_eq!(r.name(), "numpy");
    assert_eq!(r.as_str(), "numpy>=1.26,<2");
    let r = "jax[cuda12]==0.7.2".parse::<PipRequirement>().unwrap();
    assert_eq!(r.as_str(), "jax[cuda12]==0.7.2");
    let r = "torch==2.9.1+cu128".parse::<PipRequirement>().unwrap();
    assert_eq!(r.as_str(), "torch==2.9.1+cu128");
    let r = "pkg @ https://example.org/pkg-1.0-py3-none-any.whl#sha256=abc"
        .parse::<PipRequirement>()
        .unwrap();
    assert!(r.as_str().contains("#sha256=abc"), "{}", r.as_str());
}

#[test]
fn pip_requirements_pip_would_misread_are_rejected_with_the_rule() {
    for (bad, says) in [
        ("numpy==1.0\n--index-url https://evil", "control character"),
        (
            "--index-url=https://evil",
            "pip options are not requirements",
        ),
        ("numpy; python_version == '3.1 #x'", "marker"),
        ("numpy; sys_platform == 'linux #x'", "comment"),
        ("numpy ; platform_release == '${HOME}'", "expands ${VAR}"),
        ("numpy===", "not a PEP 508 requirement"),
        ("$(rm -rf /)", "not a PEP 508 requirement"),
    ] {
        let message = bad.parse::<PipRequirement>().unwrap_err().to_string();
        assert!(
            message.starts_with("invalid pip requirement '"),
            "{message}"
        );
        assert!(message.contains(says), "{bad:?}: {message}");
    }
}

#[test]
fn requirement_lists_split_between_requirements_only() {
    assert_eq!(
        split_requirement_list("torch==2.5.1, numpy>=1.26,<2,pkg[a,b]==1 ; os_name == 'a,b',scipy"),
        [
            "torch==2.5.1",
            "numpy>=1.26,<2",
            "pkg[a,b]==1 ; os_name == 'a,b'",
            "scipy"
        ]
    );
    assert!(split_requirement_list(" , ").is_empty());
}

// Regression: pep508_rs 0.9 panics on a name or extra ending in '.', '-' or '_' that
// is followed by more text ("K. ", "pkg[a.]"); found by the hostile-values property.
#[test]
fn names_and_extras_ending_in_punctuation_are_refused_not_a_panic() {
    for (bad, says) in [
        ("K. ", "must end with a letter or digit"),
        ("K.>=1", "must end with a letter or digit"),
        ("A-[", "must end with a letter or digit"),
        ("pkg[a.]", "each extra must end"),
        ("pkg[a_ , b]==1", "each extra must end"),
    ] {
        let message = bad.parse::<PipRequirement>().unwrap_err().to_string();
        assert!(message.contains(says), "{bad:?}: {message}");
    }
}

// Regression: pep508_rs writes the marker value "it's" as 'it's', which no PEP 508
// parser reads back; such a line in requirements.txt would break pip.
#[test]
fn requirements_that_do_not_read_back_are_refused() {
    let message = r#"a ; os_name == "it's""#.parse::<PipRequirement>().unwrap_err().to_string();
    assert!(message.contains("does not read back the same"), "{message}");
}

#[test]
fn image_references_parse_and_have_lowercase_repositories() {
    for good in [
        "ubuntu",
        "nvidia/cuda:12.4.1-base-ubuntu22.04",
        "ghcr.io/org/img:1.0",
        "localhost:5000/a/b@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
        "berth-test/bookworm-python:1",
    ] {
        assert_eq!(good.parse::<ImageRef>().unwrap().as_str(), good);
    }
    let message = "Nvidia/CUDA:12"
        .parse::<ImageRef>()
        .unwrap_err()
        .to_string();
    assert!(message.contains("'Nvidia/CUDA:12'"), "{message}");
    for bad in ["", "ubuntu:22.04\nRUN id", "a b", "ubuntu:", "x@sha256:12"] {
        assert!(bad.parse::<ImageRef>().is_err(), "{bad:?}");
    }
}

#[test]
fn container_paths_are_absolute_clean_and_not_root() {
    assert_eq!(
        "/datasets//imagenet/"
            .parse::<ContainerPath>()
            .unwrap()
            .as_str(),
        "/datasets/imagenet"
    );
    for (bad, says) in [
        ("datasets", "absolute"),
        ("/", "must not be '/'"),
        ("//", "must not be '/'"),
        ("/a/../etc", "'..'"),
        ("/a\nb", "control characters"),
        ("/a\0b", "control characters"),
        ("/a,b", "','"),
        ("/${HOME}", "'${'"),
        ("/a:b", "':'"),
    ] {
        let message = bad.parse::<ContainerPath>().unwrap_err().to_string();
        assert!(message.contains(says), "{bad:?}: {message}");
    }
}

#[test]
fn host_paths_are_absolute_or_inside_the_project() {
    assert_eq!(
        "/data/imagenet".parse::<HostPath>().unwrap(),
        HostPath::Absolute("/data/imagenet".into())
    );
    assert_eq!(
        "D:\\data".parse::<HostPath>().unwrap(),
        HostPath::Absolute("D:\\data".into())
    );
    let relative = "./data/raw/".parse::<HostPath>().unwrap();
    assert_eq!(relative, HostPath::InProject("data/raw".into()));
    assert_eq!(relative.mount_source(), "${localWorkspaceFolder}/data/raw");
    for bad in ["../data", "", ".", "a,b", "data set", "/x\n", "a\"b"] {
        assert!(bad.parse::<HostPath>().is_err(), "{bad:?}");
    }
}

#[test]
fn mounts_read_host_container_and_ro() {
    let mount = "/data/imagenet:/datasets/imagenet:ro"
        .parse::<DatasetMount>()
        .unwrap();
    assert_eq!(mount.host, HostPath::Absolute("/data/imagenet".into()));
    assert_eq!(mount.container.as_str(), "/datasets/imagenet");
    assert!(mount.read_only);
    let mount = "C:\\data:/data".parse::<DatasetMount>().unwrap();
    assert_eq!(mount.host, HostPath::Absolute("C:\\data".into()));
    assert!(!mount.read_only);
    let message = "/data".parse::<DatasetMount>().unwrap_err().to_string();
    assert!(message.contains("HOST:CONTAINER"), "{message}");
    let message = "/data:/".parse::<DatasetMount>().unwrap_err().to_string();
    assert!(message.contains("must not be '/'"), "{message}");
}

#[test]
fn extension_ids_are_publisher_dot_name() {
    for good in ["ms-python.python", "GitHub.copilot", "ms-toolsai.jupyter"] {
        assert!(good.parse::<ExtensionId>().is_ok(), "{good}");
    }
    for bad in [
        "python",
        ".python",
        "ms-python.",
        "a.b.c",
        "ms python.x",
        "a.b;c",
    ] {
        let message = bad.parse::<ExtensionId>().unwrap_err().to_string();
        assert!(message.contains("publisher.name"), "{message}");
    }
}

#[test]
fn index_urls_are_http_with_a_host() {
    assert!("https://pypi.example.edu/simple"
        .parse::<IndexUrl>()
        .is_ok());
    for bad in [
        "ftp://x/simple",
        "file:///srv/simple",
        "pypi.example.edu",
        "https://x/simple a",
        "https://x/${TOKEN}",
        "https://x/'",
    ] {
        assert!(bad.parse::<IndexUrl>().is_err(), "{bad}");
    }
}

#[test]
fn find_links_are_urls_or_project_folders() {
    assert_eq!(
        "./wheels/".parse::<FindLinks>().unwrap(),
        FindLinks::ProjectDir("wheels".into())
    );
    assert_eq!(
        "file:///srv/wheels".parse::<FindLinks>().unwrap(),
        FindLinks::Url("file:///srv/wheels".into())
    );
    for bad in [
        "/srv/wheels",
        "../wheels",
        "C:\\wheels",
        "wh eels",
        "ftp://x/",
    ] {
        assert!(bad.parse::<FindLinks>().is_err(), "{bad}");
    }
}

#[test]
fn ca_certificates_are_pem_without_keys() {
    let pem = "-----BEGIN CERTIFICATE-----\r\nMIIB\r\n-----END CERTIFICATE-----";
    let cert = CaCertificate::from_pem(pem, "proxy.crt").unwrap();
    assert_eq!(
        cert.pem(),
        "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"
    );
    let message = CaCertificate::from_pem("hello", "proxy.crt")
        .unwrap_err()
        .to_string();
    assert!(message.contains("'proxy.crt'"), "{message}");
    let with_key = format!("{pem}\n-----BEGIN PRIVATE KEY-----\nx\n-----END PRIVATE KEY-----\n");
    assert!(CaCertificate::from_pem(&with_key, "x").is_err());
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(3000))]

    /// No input makes a parser panic: PEP 508 text, paths, URLs, image references.
    #[test]
    fn no_value_makes_a_grammar_panic(
        value in proptest::prop_oneof![
            proptest::prelude::any::<String>(),
            "[A-Za-z0-9._\\-\\[\\], ;=<>!~@:/'\"()]{0,24}",
        ]
    ) {
        let _ = value.parse::<AptPackage>();
        let _ = value.parse::<ImageRef>();
        let _ = value.parse::<ContainerPath>();
        let _ = value.parse::<HostPath>();
        let _ = value.parse::<DatasetMount>();
        let _ = value.parse::<ExtensionId>();
        let _ = value.parse::<IndexUrl>();
        let _ = value.parse::<FindLinks>();
        let _ = CaCertificate::from_pem(&value, "x");
        let _ = split_requirement_list(&value);
        if let Err(err) = value.parse::<PipRequirement>() {
            // The fallback for a parser panic must never be needed.
            proptest::prop_assert!(
                !err.to_string().contains("could not read it"),
                "{value:?}: {err}"
            );
        }
    }
}

#[test]
fn shown_values_are_escaped_and_shortened() {
    assert_eq!(shown("a\nb"), "'a\\nb'");
    assert!(shown(&"x".repeat(500)).ends_with("…'"));
}
