//! The hermetic base images the other engine tests build on: they exist, run, and hold
//! what the tests expect (python3 with venv and pip; a busybox shell).

use crate::support::{containers, images, test_name, TestScope};

#[tokio::test]
async fn bookworm_python_runs_python3_with_venv() {
    let scope = TestScope::new(test_name!()).await;
    let image = images::bookworm_python(scope.docker()).await;

    let finished = containers::run(
        &scope,
        &image,
        &["python3", "-c", "import venv, sys; print(sys.version)"],
    )
    .await;

    finished.assert_success("python3 -c 'import venv'");
    assert!(
        finished.stdout.starts_with("3.11."),
        "bookworm's python is 3.11, got {:?}",
        finished.stdout
    );
}

#[tokio::test]
async fn bookworm_python_has_pip() {
    let scope = TestScope::new(test_name!()).await;
    let image = images::bookworm_python(scope.docker()).await;

    let finished = containers::run(&scope, &image, &["python3", "-m", "pip", "--version"]).await;

    finished.assert_success("python3 -m pip --version");
    assert!(
        finished.stdout.starts_with("pip "),
        "unexpected pip --version output: {:?}",
        finished.stdout
    );
}

#[tokio::test]
async fn bookworm_python_is_labelled_with_the_harness_version() {
    let scope = TestScope::new(test_name!()).await;
    let image = images::bookworm_python(scope.docker()).await;

    let inspected = scope
        .docker()
        .inspect_image(&image)
        .await
        .unwrap_or_else(|err| panic!("failed to inspect {image}: {err}"));

    let config = inspected.config.unwrap_or_default();
    let labels = config.labels.unwrap_or_default();
    assert_eq!(
        labels.get(images::BASE_LABEL).map(String::as_str),
        Some("bookworm-python")
    );
    assert_eq!(
        labels.get(images::VERSION_LABEL).map(String::as_str),
        Some(images::HARNESS_VERSION)
    );
    assert_eq!(config.cmd, Some(vec!["/bin/bash".to_owned()]));
    let env = config.env.unwrap_or_default();
    assert!(
        env.contains(&format!("PATH={}", images::PATH)),
        "PATH not set in {env:?}"
    );
}

#[tokio::test]
async fn busybox_echoes_hi() {
    let scope = TestScope::new(test_name!()).await;
    let image = images::busybox(scope.docker()).await;

    let finished = containers::run(&scope, &image, &["echo", "hi"]).await;

    finished.assert_success("echo hi");
    assert_eq!(finished.stdout, "hi\n");
}
