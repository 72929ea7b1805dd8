//! The `vscode-remote://` URIs the Dev Containers extension opens: the project form
//! (`dev-container+<hex>`) and the running-container form (`attached-container+<hex>`).
//! Undocumented, so every shape here is checked against URIs VS Code and known tools
//! wrote, named in the tests.

use serde::Serialize;

use super::VsCodeError;

/// How the machine Berth runs on names files to VS Code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HostOs {
    /// Linux or macOS: VS Code sees the same paths Berth does.
    Unix,
    /// Windows: drive-letter or UNC paths.
    Windows,
    /// Inside WSL: VS Code runs on Windows and reaches this distribution's files as
    /// `\\wsl.localhost\<distro>\…`.
    Wsl {
        /// `WSL_DISTRO_NAME`, e.g. `Ubuntu-22.04`.
        distro: String,
    },
}

/// The URI that opens the project in `local_folder` with the configuration `config_file`
/// in its dev container, at `workspace_folder` in the container:
/// `vscode-remote://dev-container+<hex of {"hostPath":…,"configFile":…}><workspace folder>`.
/// Naming the configuration file (not only the folder) makes VS Code use the same
/// devcontainer.json as Berth when a project has several.
///
/// # Errors
///
/// [`VsCodeError::HostPath`] when a path is not absolute in the host's terms.
pub fn dev_container(
    host: &HostOs,
    local_folder: &str,
    config_file: &str,
    workspace_folder: &str,
) -> Result<String, VsCodeError> {
    let descriptor = ProjectDescriptor {
        host_path: host_path(host, local_folder)?,
        config_file: file_uri(host, config_file)?,
    };
    // Serialising a struct of strings cannot fail.
    let json = serde_json::to_string(&descriptor).unwrap_or_default();
    Ok(format!(
        "vscode-remote://dev-container+{}{}",
        hex(&json),
        uri_path(workspace_folder)
    ))
}

/// The URI that attaches to the running container `name` and opens `folder` in it:
/// `vscode-remote://attached-container+<hex of {"containerName":"/name"}><folder>`. The
/// name carries Docker's leading `/` (added when missing); a bare, unencoded name is not
/// understood.
pub fn attached_container(name: &str, folder: &str) -> String {
    let name = if name.starts_with('/') {
        name.to_owned()
    } else {
        format!("/{name}")
    };
    let json = serde_json::json!({ "containerName": name }).to_string();
    format!(
        "vscode-remote://attached-container+{}{}",
        hex(&json),
        uri_path(folder)
    )
}

/// What the Dev Containers extension decodes from a `dev-container+` authority.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ProjectDescriptor {
    host_path: String,
    config_file: FileUri,
}

/// A `file:` URI as VS Code serialises its `Uri` type (`$mid` 1 marks it as one); the
/// key order is the one VS Code writes.
#[derive(Debug, PartialEq, Eq, Serialize)]
struct FileUri {
    #[serde(rename = "$mid")]
    mid: u8,
    path: String,
    scheme: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    authority: Option<String>,
}

/// The project folder as VS Code names it on its own machine: unchanged on Unix; on
/// Windows with the drive letter in lower case, as VS Code writes it; from WSL, the UNC
/// path Windows reaches the distribution's files by (what `wslpath -w` prints).
fn host_path(host: &HostOs, path: &str) -> Result<String, VsCodeError> {
    match host {
        HostOs::Unix => absolute_unix(path).map(str::to_owned),
        HostOs::Windows => windows_host_path(path),
        HostOs::Wsl { distro } => windows_host_path(&wsl_to_windows(distro, path)?),
    }
}

fn absolute_unix(path: &str) -> Result<&str, VsCodeError> {
    if path.starts_with('/') {
        Ok(path)
    } else {
        Err(not_absolute(path))
    }
}

fn windows_host_path(path: &str) -> Result<String, VsCodeError> {
    let path = strip_verbatim(path);
    let path: &str = &path;
    let bytes = path.as_bytes();
    if path.starts_with(r"\\") {
        return Ok(path.to_owned());
    }
    if bytes.len() >= 3 && bytes[0].is_ascii_alphabetic() && bytes[1] == b':' {
        let mut out = path.replace('/', "\\");
        out[..1].make_ascii_lowercase();
        return Ok(out);
    }
    Err(not_absolute(path))
}

/// `\\?\C:\x` → `C:\x`, `\\?\UNC\server\share` → `\\server\share` (what
/// `canonicalize` returns on Windows; VS Code never sees that form).
fn strip_verbatim(path: &str) -> std::borrow::Cow<'_, str> {
    if let Some(rest) = path.strip_prefix(r"\\?\UNC\") {
        format!(r"\\{rest}").into()
    } else if let Some(rest) = path.strip_prefix(r"\\?\") {
        rest.into()
    } else {
        path.into()
    }
}

/// A path inside WSL as Windows names it: `/mnt/c/x` → `C:\x` (the drive WSL mounted),
/// anything else → `\\wsl.localhost\<distro>\…`.
fn wsl_to_windows(distro: &str, path: &str) -> Result<String, VsCodeError> {
    let path = absolute_unix(path)?;
    if let Some(rest) = path.strip_prefix("/mnt/") {
        let mut parts = rest.splitn(2, '/');
        let drive = parts.next().unwrap_or_default();
        if drive.len() == 1 && drive.as_bytes()[0].is_ascii_alphabetic() {
            let tail = parts.next().unwrap_or_default().replace('/', "\\");
            return Ok(format!("{}:\\{tail}", drive.to_ascii_uppercase()));
        }
    }
    Ok(format!(
        r"\\wsl.localhost\{distro}{}",
        path.replace('/', "\\")
    ))
}

/// The `file:` URI of `path` on the machine VS Code runs on, as `Uri.file` makes it:
/// `C:\x\y` → path `/C:/x/y`; `\\server\share\x` → authority `server`, path `/share/x`.
fn file_uri(host: &HostOs, path: &str) -> Result<FileUri, VsCodeError> {
    let windows = match host {
        HostOs::Unix => {
            return Ok(FileUri {
                mid: 1,
                path: absolute_unix(path)?.to_owned(),
                scheme: "file",
                authority: None,
            })
        }
        HostOs::Windows => strip_verbatim(path).into_owned(),
        HostOs::Wsl { distro } => wsl_to_windows(distro, path)?,
    };
    let slashed = windows.replace('\\', "/");
    if let Some(unc) = slashed.strip_prefix("//") {
        let (server, rest) = unc.split_once('/').unwrap_or((unc, ""));
        return Ok(FileUri {
            mid: 1,
            path: format!("/{rest}"),
            scheme: "file",
            authority: Some(server.to_owned()),
        });
    }
    // Validates the drive letter; the host path form is not needed here.
    windows_host_path(&windows)?;
    Ok(FileUri {
        mid: 1,
        path: format!("/{slashed}"),
        scheme: "file",
        authority: None,
    })
}

fn not_absolute(path: &str) -> VsCodeError {
    VsCodeError::HostPath {
        path: path.to_owned(),
    }
}

/// Lowercase hex of the UTF-8 bytes, as the extension decodes it.
pub(crate) fn hex(text: &str) -> String {
    use std::fmt::Write;
    text.bytes().fold(String::new(), |mut out, b| {
        let _ = write!(out, "{b:02x}");
        out
    })
}

/// A container path as a URI path: absolute, and percent-encoded where a URI would
/// otherwise break (spaces, `%`, `?`, `#`, non-ASCII); VS Code decodes it back.
fn uri_path(folder: &str) -> String {
    let mut out = String::new();
    if !folder.starts_with('/') {
        out.push('/');
    }
    for b in folder.bytes() {
        let keep = b.is_ascii_alphanumeric() || b"/-._~!$&'()*+,;=:@".contains(&b);
        if keep {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unhex(hex: &str) -> String {
        let bytes: Vec<u8> = (0..hex.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
            .collect();
        String::from_utf8(bytes).unwrap()
    }

    /// The authority's payload and the path of a URI this module built.
    fn split(uri: &str, kind: &str) -> (serde_json::Value, String) {
        let rest = uri
            .strip_prefix(&format!("vscode-remote://{kind}+"))
            .unwrap();
        let slash = rest.find('/').unwrap();
        let json = serde_json::from_str(&unhex(&rest[..slash])).unwrap();
        (json, rest[slash..].to_owned())
    }

    // Known-good, public: Michael Lohr, "Reverse engineering Microsoft's dev container
    // CLI", https://blog.lohr.dev/launching-dev-containers — a URI that opens a project
    // from WSL (distro `Arch`), its authority the hex of the plain UNC host path:
    //   vscode-remote://dev-container+5c5c77736c2e6c6f63616c686f73745c417263685c686f6d655c6d696368695c6465765c7673636c69/workspaces/vscli
    //   hex decodes to \\wsl.localhost\Arch\home\michi\dev\vscli
    #[test]
    fn a_wsl_project_is_named_by_its_unc_path_as_in_the_lohr_blog() {
        let wsl = HostOs::Wsl {
            distro: "Arch".into(),
        };
        let path = host_path(&wsl, "/home/michi/dev/vscli").unwrap();
        assert_eq!(path, r"\\wsl.localhost\Arch\home\michi\dev\vscli");
        assert_eq!(
            hex(&path),
            "5c5c77736c2e6c6f63616c686f73745c417263685c686f6d655c6d696368695c6465765c7673636c69"
        );
        assert_eq!(uri_path("/workspaces/vscli"), "/workspaces/vscli");
    }

    // Known-good, public: stuartleeks/devcontainer-cli,
    // internal/pkg/devcontainers/remoteuri_test.go (TestHexToString): the older
    // `\\wsl$\` UNC form of a WSL path and its hex. Berth writes `\\wsl.localhost\`
    // (the name Windows has used since build 20175), but the encoding is the same.
    #[test]
    fn the_hex_is_lowercase_utf8_as_in_stuartleeks_devcontainer_cli() {
        assert_eq!(
            hex(r"\\wsl$\Ubuntusl\home\stuart\source\kips-operator"),
            "5c5c77736c245c5562756e7475736c5c686f6d655c7374756172745c736f757263655c6b6970732d6f70657261746f72"
        );
    }

    // Known-good, public: Hogeyama/nix-agent-sandbox,
    // contrib/vscode-nas-approval/lib/nasCli_test.js (REAL_WSL_AUTHORITY), an authority
    // captured from VS Code on Windows + WSL2 (distro `NixOS`). Its JSON starts
    //   {"hostPath":"\\\\wsl.localhost\\NixOS\\home\\hogeyama\\repo\\nix-agent-sandbox",
    // (its configFile was written by a newer extension as `vscode-fileHost`; Berth names
    // the file with a `file:` URI, the form michidk/vscli sends from WSL, below).
    #[test]
    fn a_wsl_project_uri_starts_with_the_host_path_vs_code_wrote_in_nix_agent_sandbox() {
        let captured_prefix = "7b22686f737450617468223a225c5c5c5c77736c2e6c6f63616c686f73745c5c4e69784f535c5c686f6d655c5c686f676579616d615c5c7265706f5c5c6e69782d6167656e742d73616e64626f78222c";
        let wsl = HostOs::Wsl {
            distro: "NixOS".into(),
        };
        let uri = dev_container(
            &wsl,
            "/home/hogeyama/repo/nix-agent-sandbox",
            "/home/hogeyama/repo/nix-agent-sandbox/.devcontainer/devcontainer.json",
            "/workspaces/nix-agent-sandbox",
        )
        .unwrap();
        let authority = uri.strip_prefix("vscode-remote://dev-container+").unwrap();
        assert!(authority.starts_with(captured_prefix), "{uri}");
        let (json, path) = split(&uri, "dev-container");
        // The config file as Windows reaches it: file://wsl.localhost/NixOS/home/….
        assert_eq!(
            json["configFile"],
            serde_json::json!({
                "$mid": 1,
                "path": "/NixOS/home/hogeyama/repo/nix-agent-sandbox/.devcontainer/devcontainer.json",
                "scheme": "file",
                "authority": "wsl.localhost"
            })
        );
        assert_eq!(path, "/workspaces/nix-agent-sandbox");
    }

    // Known-good, public: VS Code's own serialisation of the project authority, as it
    // writes it into links in Copilot chat answers (found in a README in a public GitHub
    // repository by a content search that does not name the repository):
    //   dev-container+7b22686f737450617468223a22633a5c5c7265706f735c5c…
    //   = {"hostPath":"c:\\repos\\moviesassistant","localDocker":false,
    //      "configFile":{"$mid":1,"path":"/C:/repos/moviesassistant/.devcontainer/devcontainer.json","scheme":"file"}}
    // Berth writes the same hostPath and configFile (without `localDocker`, which the
    // extension does not require: vscli sends neither).
    #[test]
    fn a_windows_project_is_named_as_vs_code_names_it() {
        let uri = dev_container(
            &HostOs::Windows,
            r"C:\repos\moviesassistant",
            r"C:\repos\moviesassistant\.devcontainer\devcontainer.json",
            "/workspaces/moviesassistant",
        )
        .unwrap();
        let expected = r#"{"hostPath":"c:\\repos\\moviesassistant","configFile":{"$mid":1,"path":"/C:/repos/moviesassistant/.devcontainer/devcontainer.json","scheme":"file"}}"#;
        assert_eq!(
            uri,
            format!(
                "vscode-remote://dev-container+{}/workspaces/moviesassistant",
                hex(expected)
            )
        );
        // The part VS Code wrote, byte for byte.
        assert!(uri.contains(
            "7b22686f737450617468223a22633a5c5c7265706f735c5c6d6f76696573617373697374616e74222c"
        ));
        assert!(uri.contains("22636f6e66696746696c65223a7b22246d6964223a312c2270617468223a222f433a2f7265706f732f6d6f76696573617373697374616e742f2e646576636f6e7461696e65722f646576636f6e7461696e65722e6a736f6e222c22736368656d65223a2266696c65227d7d"));
    }

    // The JSON shape and key order of michidk/vscli (src/uri.rs, src/workspace/open.rs):
    // {"hostPath": <folder>, "configFile": <file Uri>} on Linux.
    #[test]
    fn a_linux_project_uri_carries_host_path_and_config_file() {
        let uri = dev_container(
            &HostOs::Unix,
            "/home/ada/thesis",
            "/home/ada/thesis/.devcontainer/devcontainer.json",
            "/workspaces/thesis",
        )
        .unwrap();
        let expected = r#"{"hostPath":"/home/ada/thesis","configFile":{"$mid":1,"path":"/home/ada/thesis/.devcontainer/devcontainer.json","scheme":"file"}}"#;
        assert_eq!(
            uri,
            format!(
                "vscode-remote://dev-container+{}/workspaces/thesis",
                hex(expected)
            )
        );
    }

    #[test]
    fn spaces_and_non_ascii_are_hexed_as_utf8_and_percent_encoded_in_the_path() {
        let uri = dev_container(
            &HostOs::Unix,
            "/home/zoë/my thesis",
            "/home/zoë/my thesis/.devcontainer/devcontainer.json",
            "/workspaces/my thesis/données",
        )
        .unwrap();
        let (json, path) = split(&uri, "dev-container");
        assert_eq!(json["hostPath"], "/home/zoë/my thesis");
        assert!(uri.contains(&hex("zoë")));
        assert!(hex("ë") == "c3ab");
        assert_eq!(path, "/workspaces/my%20thesis/donn%C3%A9es");
    }

    #[test]
    fn windows_paths_keep_unc_and_drop_the_verbatim_prefix() {
        assert_eq!(
            host_path(&HostOs::Windows, r"\\?\D:\Work\proj").unwrap(),
            r"d:\Work\proj"
        );
        assert_eq!(
            file_uri(&HostOs::Windows, r"\\server\share\proj\.devcontainer.json").unwrap(),
            FileUri {
                mid: 1,
                path: "/share/proj/.devcontainer.json".into(),
                scheme: "file",
                authority: Some("server".into()),
            }
        );
        assert_eq!(
            host_path(&HostOs::Windows, r"\\?\UNC\server\share\proj").unwrap(),
            r"\\server\share\proj"
        );
        assert!(matches!(
            host_path(&HostOs::Windows, "proj"),
            Err(VsCodeError::HostPath { .. })
        ));
    }

    #[test]
    fn a_wsl_project_on_a_windows_drive_is_named_by_its_drive_path() {
        let wsl = HostOs::Wsl {
            distro: "Ubuntu".into(),
        };
        assert_eq!(
            host_path(&wsl, "/mnt/c/Users/ada/thesis").unwrap(),
            r"c:\Users\ada\thesis"
        );
        assert_eq!(
            file_uri(&wsl, "/mnt/c/Users/ada/thesis/.devcontainer.json")
                .unwrap()
                .path,
            "/C:/Users/ada/thesis/.devcontainer.json"
        );
        // `/mnt/wsl` is not a drive.
        assert_eq!(
            host_path(&wsl, "/mnt/wsl/x").unwrap(),
            r"\\wsl.localhost\Ubuntu\mnt\wsl\x"
        );
        assert!(host_path(&wsl, "relative/x").is_err());
    }

    // Known-good, public: the hex VS Code writes for an attached container named
    // `stackvo-shop` in its recently-opened list, quoted in a public Rust test
    // (`the_authority_is_the_hex_of_the_json_vs_code_writes_for_itself`, found by a
    // content search that does not name the repository):
    //   attached-container+7b22636f6e7461696e65724e616d65223a222f737461636b766f2d73686f70227d
    //   = {"containerName":"/stackvo-shop"}
    // The JSON form with Docker's leading slash is the one introduced by
    // microsoft/vscode-remote-release#1794 ("Use container name in URI when attaching").
    #[test]
    fn an_attached_container_is_named_by_the_json_of_its_slashed_name() {
        let uri = attached_container("stackvo-shop", "/workspaces/shop");
        assert_eq!(
            uri,
            "vscode-remote://attached-container+7b22636f6e7461696e65724e616d65223a222f737461636b766f2d73686f70227d/workspaces/shop"
        );
        assert_eq!(attached_container("/stackvo-shop", "/workspaces/shop"), uri);
        let (json, path) = split(
            &attached_container("berth-x", "work dir"),
            "attached-container",
        );
        assert_eq!(json, serde_json::json!({"containerName": "/berth-x"}));
        assert_eq!(path, "/work%20dir");
    }
}
