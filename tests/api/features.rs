//! Dev Container Features against a real registry and the real engine: a Feature behind
//! a password (the credential from the OS keyring), an unreachable registry (named,
//! with "offline"; a locked Feature still builds from the digest cache), mistakes in a
//! Feature's use named before anything is built, and a failing install.sh as a build
//! failure that names the Feature and keeps the last working image. The side-by-side
//! comparison with the reference CLI is in `reference.rs`.

use std::path::Path;

use berth::engine::container;
use berth::engine::Outcome;
use berth::environment::{EnvironmentError, UpOptions};
use berth::feature::registry::Credential;
use berth::feature::FeatureError;

use crate::project::Project;
use crate::support::images::{self, Base};
use crate::support::registry::{self, TestRegistry};
use crate::support::{test_name, TestScope};

/// Write the Features the registry tests publish, naming each other on `host`:
/// `base`; `app` (an enum option, `dependsOn` base); `extra` (`installsAfter` app);
/// `greet` (a string option with a default, and a `containerEnv`).
pub fn publish_examples_on(collection: &Path, host: &str) {
    registry::write_feature(
        collection,
        "base",
        r#"{"id": "base", "version": "1.0.0", "name": "Base"}"#,
        "echo base >> /tmp/installed",
    );
    registry::write_feature(
        collection,
        "app",
        &format!(
            r#"{{"id": "app", "version": "1.4.0", "name": "App",
  "options": {{"mode": {{"type": "string", "enum": ["fast", "safe"], "default": "safe"}}}},
  "dependsOn": {{"{host}/berth/features/base:1": {{}}}}}}"#
        ),
        r#"echo "app MODE=$MODE" >> /tmp/installed"#,
    );
    registry::write_feature(
        collection,
        "extra",
        &format!(
            r#"{{"id": "extra", "version": "0.3.0", "name": "Extra", "installsAfter": ["{host}/berth/features/app"]}}"#
        ),
        "echo extra >> /tmp/installed",
    );
    registry::write_feature(
        collection,
        "greet",
        r#"{"id": "greet", "version": "1.2.3", "name": "Greet",
  "options": {"who": {"type": "string", "default": "world"}},
  "containerEnv": {"GREETED": "yes"}}"#,
        r#"echo "greet WHO=$WHO" >> /tmp/installed"#,
    );
}

fn image_config(image: &str, features: &str) -> String {
    format!(r#"{{"image": "{image}", "remoteUser": "dev", "features": {{{features}}}}}"#)
}

async fn up_error(project: &Project, options: &UpOptions) -> EnvironmentError {
    match project.try_up(options).await {
        (Err(err), _) => err,
        (Ok(Outcome::Done(_)), _) => panic!("up of {} succeeded", project.dir.display()),
        (Ok(Outcome::Cancelled), _) => panic!("up was cancelled"),
    }
}

#[tokio::test]
async fn a_feature_behind_a_password_needs_the_credential_kept_in_the_keyring() {
    let scope = TestScope::new(test_name!()).await;
    let image = images::ensure(scope.docker(), Base::BookwormDev).await;
    let registry = TestRegistry::start(true);
    let host = registry.host();
    let collection = scope.project_dir("published");
    publish_examples_on(&collection, &host);
    registry.publish(&collection, "berth/features");
    let project = Project::new(
        &scope,
        "private",
        &image_config(&image, &format!(r#""{host}/berth/features/greet:1": {{}}"#)),
    )
    .await;
    berth::secrets::forget(&host).unwrap_or_else(|err| panic!("{err}"));

    let err = up_error(&project, &UpOptions::default()).await;
    assert!(
        matches!(
            err,
            EnvironmentError::Feature(FeatureError::Unauthorized {
                had_credentials: false,
                ..
            })
        ),
        "{err:?}"
    );
    let text = err.to_string();
    assert!(
        text.contains(&format!("{host}/berth/features/greet:1"))
            && text.contains("needs credentials")
            && text.contains(&format!("berth login {host} --username")),
        "{text}"
    );

    let wrong = Credential {
        username: registry::USER.to_owned(),
        secret: "not-the-password".to_owned(),
    };
    berth::secrets::store(&host, &wrong).unwrap_or_else(|err| panic!("{err}"));
    let text = up_error(&project, &UpOptions::default()).await.to_string();
    assert!(text.contains("refused the credentials"), "{text}");

    // Kept the way a person keeps it: `berth login`, the password on stdin.
    let mut login = std::process::Command::new(env!("CARGO_BIN_EXE_berth"))
        .args([
            "login",
            &host,
            "--username",
            registry::USER,
            "--password-stdin",
        ])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap_or_else(|err| panic!("{err}"));
    if let Some(mut stdin) = login.stdin.take() {
        std::io::Write::write_all(&mut stdin, format!("{}\n", registry::PASSWORD).as_bytes())
            .unwrap_or_else(|err| panic!("{err}"));
    }
    let said = login
        .wait_with_output()
        .unwrap_or_else(|err| panic!("{err}"));
    assert!(said.status.success(), "berth login failed");
    assert!(!String::from_utf8_lossy(&said.stdout).contains(registry::PASSWORD));
    let upped = project.up().await;
    berth::secrets::forget(&host).unwrap_or_else(|err| panic!("{err}"));
    assert_eq!(project.out("cat /tmp/installed").await, "greet WHO=world");
    assert_eq!(project.out("echo $GREETED").await, "yes");
    // Nothing of the secret is on disk in the project.
    let lock = std::fs::read_to_string(project.dir.join(".devcontainer/devcontainer-lock.json"))
        .unwrap_or_else(|err| panic!("{err}"));
    assert!(!lock.contains(registry::PASSWORD), "{lock}");
    assert!(!upped.container_id.is_empty());
}

#[tokio::test]
async fn an_unreachable_registry_is_named_and_a_locked_feature_builds_offline() {
    let scope = TestScope::new(test_name!()).await;
    let image = images::ensure(scope.docker(), Base::BookwormDev).await;
    let mut registry = TestRegistry::start(false);
    let host = registry.host();
    let collection = scope.project_dir("published");
    publish_examples_on(&collection, &host);
    let digests = registry.publish(&collection, "berth/features");
    let project = Project::new(
        &scope,
        "locked",
        &image_config(
            &image,
            &format!(r#""{host}/berth/features/greet:1": {{"who": "offline"}}"#),
        ),
    )
    .await;
    project.up().await;
    let lock = std::fs::read_to_string(project.dir.join(".devcontainer/devcontainer-lock.json"))
        .unwrap_or_else(|err| panic!("{err}"));
    assert!(lock.contains(&digests["greet"]), "{lock}");

    registry.stop();
    // Locked and fetched before: rebuilt from the digest cache with no registry at all.
    let rebuild = UpOptions {
        rebuild: true,
        no_cache: true,
        ..UpOptions::default()
    };
    match project.try_up(&rebuild).await {
        (Ok(Outcome::Done(_)), _) => {}
        (Err(err), _) => panic!("offline rebuild failed: {}", berth::error_chain(&err)),
        (Ok(Outcome::Cancelled), _) => panic!("cancelled"),
    }
    assert_eq!(project.out("cat /tmp/installed").await, "greet WHO=offline");

    // Never fetched: the error names the reference and says the registry is unreachable.
    let fresh = Project::new(
        &scope,
        "fresh",
        &image_config(
            &image,
            &format!(r#""{host}/berth/features/greet:1.2": {{}}"#),
        ),
    )
    .await;
    let err = up_error(&fresh, &UpOptions::default()).await;
    let text = err.to_string();
    assert!(
        matches!(
            err,
            EnvironmentError::Feature(FeatureError::Unavailable { .. })
        ) && text.contains(&format!("\"{host}/berth/features/greet:1.2\""))
            && text.contains("offline"),
        "{text}"
    );
    // Nothing was built for it.
    assert!(fresh
        .environment()
        .container(fresh.engine())
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .is_none());
}

/// A local Feature `.devcontainer/<id>/`.
fn local_feature(project: &Project, id: &str, manifest: &str, install: &str) {
    project.write(
        &format!(".devcontainer/{id}/devcontainer-feature.json"),
        manifest,
    );
    project.write(
        &format!(".devcontainer/{id}/install.sh"),
        &format!("#!/bin/sh\nset -e\n{install}\n"),
    );
}

#[tokio::test]
async fn mistakes_in_using_a_feature_are_named_before_anything_is_built() {
    let scope = TestScope::new(test_name!()).await;
    let image = images::ensure(scope.docker(), Base::BookwormDev).await;
    let manifest = r#"{"id": "tool", "version": "1.0.0",
  "options": {"level": {"type": "string", "enum": ["1", "2"], "default": "1"}, "fast": {"type": "boolean", "default": false}}}"#;
    let cases = [
        (
            r#""./tool": {"colour": "red"}"#,
            "option `colour`: the Feature has no such option; it has: fast, level",
        ),
        (
            r#""./tool": {"fast": "very"}"#,
            "option `fast`: expected true or false",
        ),
        (
            r#""./tool": {"level": "3"}"#,
            "\"3\" is not one of the allowed values: 1, 2",
        ),
        (r#""./missing": {}"#, "does not exist"),
        (
            r#""./a": {}, "./b": {}"#,
            "a cycle in dependsOn/installsAfter): ./a, ./b",
        ),
        (r#""https://example.com/f.tgz": {}"#, "tarball"),
    ];
    for (index, (features, says)) in cases.iter().enumerate() {
        let project = Project::new(
            &scope,
            &format!("mistake-{index}"),
            &image_config(&image, features),
        )
        .await;
        local_feature(&project, "tool", manifest, "true");
        local_feature(
            &project,
            "a",
            r#"{"id": "a", "installsAfter": ["./b"]}"#,
            "true",
        );
        local_feature(
            &project,
            "b",
            r#"{"id": "b", "installsAfter": ["./a"]}"#,
            "true",
        );
        let err = up_error(&project, &UpOptions::default()).await;
        assert!(
            matches!(err, EnvironmentError::Feature(_)),
            "{features}: {err:?}"
        );
        let text = err.to_string();
        assert!(text.contains(says), "{features}: {text}");
        assert!(
            project
                .environment()
                .container(project.engine())
                .await
                .unwrap_or_else(|e| panic!("{e}"))
                .is_none(),
            "{features}: a container was made"
        );
    }
}

#[tokio::test]
async fn a_failing_install_script_names_the_feature_and_keeps_the_last_working_image() {
    let scope = TestScope::new(test_name!()).await;
    let image = images::ensure(scope.docker(), Base::BookwormDev).await;
    let project = Project::new(&scope, "broken", &image_config(&image, r#""./tool": {}"#)).await;
    let manifest = r#"{"id": "tool", "version": "1.0.0", "name": "Tool", "documentationURL": "https://example.invalid/tool"}"#;
    local_feature(&project, "tool", manifest, "echo tool >> /tmp/installed");
    let first = project.up().await;
    let known_good =
        berth::engine::image::inspect(project.engine(), &project.environment().image())
            .await
            .unwrap_or_else(|err| panic!("{err}"))
            .unwrap_or_else(|| panic!("no known-good image"))
            .id;

    local_feature(
        &project,
        "tool",
        manifest,
        "echo 'E: cannot find libtool-dev'\nexit 3",
    );
    let err = up_error(&project, &UpOptions::default()).await;
    let text = berth::error_chain(&err);
    assert!(
        matches!(err, EnvironmentError::Build { kept: true, .. }),
        "{text}"
    );
    assert!(
        text.contains("Feature 'Tool' (./tool) failed to install; its documentation: https://example.invalid/tool (exit 3)")
            && text.contains("E: cannot find libtool-dev")
            && text.contains("untouched"),
        "{text}"
    );
    let still = berth::engine::image::inspect(project.engine(), &project.environment().image())
        .await
        .unwrap_or_else(|err| panic!("{err}"))
        .unwrap_or_else(|| panic!("the known-good image is gone"))
        .id;
    assert_eq!(still, known_good);
    let info = container::inspect(project.engine(), &first.container_id)
        .await
        .unwrap_or_else(|err| panic!("{err}"))
        .unwrap_or_else(|| panic!("the container is gone"));
    assert_eq!(info.state, container::ContainerState::Running);
}

#[tokio::test]
async fn corpus_files_with_features_or_compose_are_refused_naming_what_cannot_be_had() {
    let scope = TestScope::new(test_name!()).await;
    let busybox = images::ensure(scope.docker(), Base::Busybox).await;
    let engine = scope.engine().await;
    let (mut refused, mut started, mut compose_refused) = (0, 0, 0);
    for (name, source) in crate::devcontainer::projects("valid") {
        let (_keep, project) = crate::devcontainer::copy_project(&source);
        let load = crate::project::load();
        let Ok(resolved) = berth::devcontainer::load(&project, &load) else {
            continue;
        };
        let features: Vec<&String> = resolved
            .config
            .features
            .iter()
            .filter(|(_, value)| **value != serde_json::Value::Bool(false))
            .map(|(key, _)| key)
            .collect();
        if let Some(compose) = &resolved.config.compose {
            // The repository's compose files are not in the corpus: that is what is named.
            let err = up_error(
                &crate::project::Project::open(&scope, project.clone()).await,
                &UpOptions::default(),
            )
            .await;
            let text = err.to_string();
            assert!(
                text.contains(&compose.files[0].replace("../", "").replace("./", ""))
                    && text.contains("does not exist"),
                "{name}: {text}"
            );
            compose_refused += 1;
            continue;
        }
        if features.is_empty() {
            continue;
        }
        // The repository's own Dockerfile is not in the corpus: a stand-in, so what
        // stops the project is what Features it needs.
        if let Some(build) = &resolved.dockerfile_build {
            if !build.dockerfile.exists() {
                std::fs::write(&build.dockerfile, format!("FROM {busybox}\n"))
                    .unwrap_or_else(|err| panic!("{err}"));
            }
        }
        let outcome = berth::environment::up(
            &engine,
            &project,
            &load,
            &UpOptions::default(),
            &berth::engine::progress::Silent,
            &berth::engine::Cancel::new(),
        )
        .await;
        match outcome {
            Ok(_) => {
                started += 1;
                // Started (its Features were at hand): take everything it made away.
                let environment = berth::environment::Environment::of(&resolved);
                let owned = berth::environment::remove::owned(&engine, &environment)
                    .await
                    .unwrap_or_else(|err| panic!("{err}"));
                berth::environment::remove::remove(&engine, &environment, &owned)
                    .await
                    .unwrap_or_else(|err| panic!("{err}"));
            }
            Err(EnvironmentError::Feature(err)) => {
                let text = err.to_string();
                for feature in &features {
                    assert!(
                        text.contains(&format!("\"{feature}\"")),
                        "{name}: {feature} is not named in: {text}"
                    );
                }
                refused += 1;
            }
            Err(other) => panic!(
                "{name}: refused for another reason: {}",
                berth::error_chain(&other)
            ),
        }
    }
    crate::support::progress(format!(
        "corpus files with Features: {started} started, {refused} refused naming every Feature that cannot be had; with Compose: {compose_refused} refused naming the compose file that is not there"
    ));
    assert_eq!(compose_refused, 2);
    assert!(
        refused + started >= 8,
        "only {} corpus files use Features",
        refused + started
    );
}
