//! IPC commands: each reads its argument object, calls the core and maps the result to
//! the transport types in `berth::json`. The table below is the one list of commands: it
//! makes the invoke handler and the TypeScript bindings (`ui/src/bindings/commands.ts`),
//! so the UI calls only names and shapes that exist here.

mod doctor;
mod environments;
mod gpu;
mod projects;
mod settings;

use berth::json::Error;

/// Any core error as the one IPC error shape (message chain, field, build failure).
fn ipc(err: impl std::error::Error + 'static) -> Error {
    Error::from_chain(&err)
}

/// Declares every command once: `requests` answer once, `streams` take a
/// `Channel<ProgressLine>` too and may be cancelled.
macro_rules! commands {
    (
        requests { $($module:ident :: $name:ident ($args:ty) -> $result:ty;)* }
        streams { $($smodule:ident :: $sname:ident ($sargs:ty) -> $sresult:ty;)* }
    ) => {
        /// The invoke handler with every command of the table.
        pub fn handler() -> impl Fn(tauri::ipc::Invoke<tauri::Wry>) -> bool + Send + Sync + 'static {
            tauri::generate_handler![$($module::$name,)* $($smodule::$sname,)*]
        }

        /// Every command's name with its argument and result types, for the bindings.
        #[cfg(test)]
        pub fn table() -> bindings::Table {
            let cfg = ts_rs::Config::default();
            bindings::Table {
                requests: vec![$(bindings::Entry::of::<$args, $result>(stringify!($name), &cfg),)*],
                streams: vec![$(bindings::Entry::of::<$sargs, $sresult>(stringify!($sname), &cfg),)*],
            }
        }
    };
}

commands! {
    requests {
        doctor::doctor(berth::json::NoArgs) -> berth::json::DoctorReport;
        doctor::doctor_fix(berth::json::DoctorFixArgs) -> berth::json::DoctorFixResult;
        environments::environments(berth::json::NoArgs) -> Vec<berth::json::ListedEnvironment>;
        environments::environment_sizes(berth::json::NoArgs) -> Vec<berth::json::ListedEnvironment>;
        environments::removal_preview(berth::json::FolderArgs) -> berth::json::Removal;
        environments::remove_environment(berth::json::FolderArgs) -> berth::json::Removal;
        environments::stop_environment(berth::json::FolderArgs) -> berth::json::StopResult;
        environments::reset_packages(berth::json::FolderArgs) -> berth::json::ResetResult;
        environments::freeze(berth::json::FreezeArgs) -> berth::json::FreezeResult;
        environments::checkpoints(berth::json::FolderArgs) -> Vec<berth::json::CheckpointInfo>;
        environments::checkpoint(berth::json::CheckpointArgs) -> berth::json::CheckpointInfo;
        environments::rollback(berth::json::RollbackArgs) -> berth::json::UpResult;
        environments::open_in_code(berth::json::FolderArgs) -> berth::json::CodeOpened;
        environments::cancel(berth::json::JobArgs) -> bool;
        projects::project(berth::json::FolderArgs) -> berth::json::ProjectInfo;
        projects::recipes(berth::json::NoArgs) -> berth::json::RecipesReport;
        projects::preview_project(berth::json::ProjectArgs) -> berth::json::NewProjectReport;
        projects::create_project(berth::json::ProjectArgs) -> berth::json::NewProjectReport;
        gpu::gpu_history(berth::json::NoArgs) -> Vec<berth::json::GpuReport>;
        settings::settings(berth::json::NoArgs) -> berth::json::SettingsReport;
        settings::wsl_show(berth::json::NoArgs) -> berth::json::WslShowReport;
        settings::wsl_apply(berth::json::NoArgs) -> berth::json::WslSetResult;
        settings::registry_login(berth::json::LoginArgs) -> berth::json::LoginResult;
        settings::registry_logout(berth::json::RegistryArgs) -> berth::json::LoginResult;
    }
    streams {
        environments::up(berth::json::UpArgs) -> berth::json::UpResult;
    }
}

/// The TypeScript side of the table: `Commands` and `Streams` interfaces naming each
/// command's `args` and `result`, with the imports of the generated types they use.
#[cfg(test)]
mod bindings {
    use std::collections::BTreeSet;

    use ts_rs::TS;

    /// One command.
    pub struct Entry {
        name: &'static str,
        args: String,
        result: String,
        imports: BTreeSet<String>,
    }

    impl Entry {
        pub fn of<A: TS + 'static, R: TS + 'static>(
            name: &'static str,
            cfg: &ts_rs::Config,
        ) -> Self {
            let mut imports = BTreeSet::new();
            imports.extend(names::<A>(cfg));
            imports.extend(names::<R>(cfg));
            Self {
                name,
                args: A::name(cfg),
                result: R::name(cfg),
                imports,
            }
        }
    }

    /// The generated types a command's type refers to: itself, or the generated types it
    /// is made of (`Vec<ListedEnvironment>` → `ListedEnvironment`).
    fn names<T: TS + 'static>(cfg: &ts_rs::Config) -> Vec<String> {
        struct Generated<'a>(&'a ts_rs::Config, Vec<String>);
        impl ts_rs::TypeVisitor for Generated<'_> {
            fn visit<U: TS + 'static + ?Sized>(&mut self) {
                if let Some(own) = ts_rs::Dependency::from_ty::<U>(self.0) {
                    self.1.push(own.ts_name);
                }
            }
        }
        if let Some(own) = ts_rs::Dependency::from_ty::<T>(cfg) {
            return vec![own.ts_name];
        }
        let mut found = Generated(cfg, Vec::new());
        T::visit_generics(&mut found);
        found.1
    }

    /// Every command.
    pub struct Table {
        pub requests: Vec<Entry>,
        pub streams: Vec<Entry>,
    }

    impl Table {
        /// Every command's name.
        pub fn names(&self) -> impl Iterator<Item = &'static str> + '_ {
            self.requests.iter().chain(&self.streams).map(|e| e.name)
        }

        /// The text of `commands.ts`.
        pub fn render(&self) -> String {
            let mut imports = BTreeSet::new();
            for entry in self.requests.iter().chain(&self.streams) {
                imports.extend(entry.imports.iter().cloned());
            }
            let mut out = String::from(
                "// Generated from src-tauri/src/commands/mod.rs by `cargo test -p berth-desktop`; do not edit.\n",
            );
            for name in &imports {
                out.push_str(&format!("import type {{ {name} }} from \"./{name}\";\n"));
            }
            let block = |out: &mut String, title: &str, doc: &str, entries: &[Entry]| {
                out.push_str(&format!("\n/** {doc} */\nexport interface {title} {{\n"));
                for e in entries {
                    out.push_str(&format!(
                        "  {}: {{ args: {}; result: {} }};\n",
                        e.name, e.args, e.result
                    ));
                }
                out.push_str("}\n");
            };
            block(
                &mut out,
                "Commands",
                "Requests: `invoke(name, { args })` answers once with `result`.",
                &self.requests,
            );
            block(
                &mut out,
                "Streams",
                "Long operations: `invoke(name, { args, channel })`, progress on the channel, cancelled through `cancel`.",
                &self.streams,
            );
            out
        }
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    /// The UI's `commands.ts` is this table; regenerate it when the table changes.
    #[test]
    fn the_ui_bindings_list_every_command() {
        let text = super::table().render();
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../ui/src/bindings/commands.ts");
        let current = std::fs::read_to_string(&path).unwrap_or_default();
        if current != text {
            std::fs::write(&path, &text).expect("write ui/src/bindings/commands.ts");
        }
        assert!(
            text.contains("up: { args: UpArgs; result: UpResult }"),
            "{text}"
        );
        assert!(text.contains("import type { ListedEnvironment } from \"./ListedEnvironment\";"));
    }
}

#[cfg(test)]
mod capability_tests {
    use std::collections::BTreeSet;

    /// The window may call each command of the table and nothing else of Berth's.
    #[test]
    fn the_capability_grants_exactly_the_table() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/capabilities/default.json");
        let text = std::fs::read_to_string(path).expect("read the capability file");
        let file: serde_json::Value = serde_json::from_str(&text).expect("valid JSON");
        let granted: BTreeSet<String> = file["permissions"]
            .as_array()
            .expect("a permissions list")
            .iter()
            .filter_map(|p| p.as_str())
            .filter_map(|p| p.strip_prefix("allow-"))
            .map(str::to_owned)
            .collect();
        let table = super::table();
        let listed: BTreeSet<String> = table.names().map(|name| name.replace('_', "-")).collect();
        assert_eq!(granted, listed);
    }
}
