//! `runArgs`: the `docker run` flags a devcontainer.json passes through, translated into
//! the container Berth creates over the Engine API. Flags with no API counterpart Berth
//! knows are reported as warnings, never silently dropped.

use crate::engine::container::{ContainerSpec, MountSpec, Publish};

/// The result of reading `runArgs`: changes to the container, and what was ignored.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RunArgs {
    /// Warnings, one per ignored or questionable flag.
    pub warnings: Vec<String>,
    /// True when `--gpus` asked for GPUs.
    pub gpus: bool,
}

/// A flag that takes a value, and the value (from `--flag=value` or the next argument).
fn split_flag(args: &[String], index: &mut usize) -> (String, Option<String>) {
    let arg = &args[*index];
    if let Some((flag, value)) = arg.split_once('=') {
        if flag.starts_with('-') {
            return (flag.to_owned(), Some(value.to_owned()));
        }
    }
    (arg.clone(), None)
}

/// Flags that take no value.
const SWITCHES: &[&str] = &[
    "--privileged",
    "--init",
    "--rm",
    "-i",
    "-t",
    "-it",
    "-ti",
    "--interactive",
    "--tty",
    "-d",
    "--detach",
];

/// Apply `args` to `spec`.
pub fn apply(args: &[String], spec: &mut ContainerSpec) -> RunArgs {
    let mut out = RunArgs::default();
    let mut index = 0;
    while index < args.len() {
        let (flag, inline) = split_flag(args, &mut index);
        index += 1;
        if SWITCHES.contains(&flag.as_str()) {
            match flag.as_str() {
                "--privileged" => spec.privileged = inline.as_deref() != Some("false"),
                "--init" => spec.init = inline.as_deref() != Some("false"),
                _ => out.warnings.push(format!(
                    "runArgs: '{flag}' has no meaning for a dev container Berth starts; ignored"
                )),
            }
            continue;
        }
        if !flag.starts_with('-') {
            out.warnings.push(format!(
                "runArgs: '{flag}' is not a flag (an image name or command does not belong in runArgs); ignored"
            ));
            continue;
        }
        let value = match inline {
            Some(value) => value,
            None => {
                let Some(value) = args.get(index) else {
                    out.warnings.push(format!(
                        "runArgs: '{flag}' needs a value and is the last argument; ignored"
                    ));
                    break;
                };
                index += 1;
                value.clone()
            }
        };
        if let Err(message) = apply_one(&flag, &value, spec, &mut out) {
            out.warnings
                .push(format!("runArgs: '{flag} {value}': {message}"));
        }
    }
    out
}

fn apply_one(
    flag: &str,
    value: &str,
    spec: &mut ContainerSpec,
    out: &mut RunArgs,
) -> Result<(), String> {
    match flag {
        "--gpus" => {
            if value != "all" && value != "\"all\"" {
                out.warnings.push(format!(
                    "runArgs: '--gpus {value}': Berth requests every GPU (as --gpus all)"
                ));
            }
            out.gpus = true;
        }
        "--shm-size" => spec.shm_size = Some(parse_bytes(value)?),
        "--ipc" => spec.ipc_mode = Some(value.to_owned()),
        "--network" | "--net" => spec.network_mode = Some(value.to_owned()),
        "--cap-add" => spec.cap_add.push(value.to_owned()),
        "--security-opt" => spec.security_opt.push(value.to_owned()),
        "--device" => spec.devices.push(value.to_owned()),
        "--add-host" => spec.extra_hosts.push(value.to_owned()),
        "-u" | "--user" => spec.user = Some(value.to_owned()),
        "--name" => spec.name = Some(value.to_owned()),
        "-h" | "--hostname" => spec.hostname = Some(value.to_owned()),
        "--runtime" => spec.runtime = Some(value.to_owned()),
        "-m" | "--memory" => spec.memory = Some(parse_bytes(value)?),
        "--cpus" => {
            let cpus: f64 = value
                .parse()
                .map_err(|_| "not a number of CPUs".to_owned())?;
            // Whole nanocpus are all the engine takes.
            #[allow(clippy::cast_possible_truncation)]
            let nano = (cpus * 1e9) as i64;
            spec.nano_cpus = Some(nano);
        }
        "-e" | "--env" => match value.split_once('=') {
            Some((key, val)) => {
                spec.env.insert(key.to_owned(), val.to_owned());
            }
            None => match std::env::var(value) {
                Ok(val) => {
                    spec.env.insert(value.to_owned(), val);
                }
                Err(_) => return Err("the variable is not set on this machine".to_owned()),
            },
        },
        "-l" | "--label" => {
            let (key, val) = value.split_once('=').unwrap_or((value, ""));
            spec.labels.insert(key.to_owned(), val.to_owned());
        }
        "--ulimit" => {
            let (name, limits) = value
                .split_once('=')
                .ok_or_else(|| "expected name=soft[:hard]".to_owned())?;
            let (soft, hard) = limits.split_once(':').unwrap_or((limits, limits));
            let soft: i64 = soft.parse().map_err(|_| "the soft limit is not a number")?;
            let hard: i64 = hard.parse().map_err(|_| "the hard limit is not a number")?;
            spec.ulimits.push((name.to_owned(), soft, hard));
        }
        "-v" | "--volume" => spec.mounts.push(parse_volume(value)?),
        "--mount" => {
            let mount = crate::devcontainer::model::Mount::parse(value)?;
            spec.mounts.push(super::plan::mount_spec(&mount)?);
        }
        "-p" | "--publish" => spec.publish.push(parse_publish(value)?),
        _ => return Err("Berth does not pass this flag to the engine yet; ignored".to_owned()),
    }
    Ok(())
}

/// Docker's sizes: `8g`, `512m`, `1024` (bytes), `2GB`; binary multiples.
pub fn parse_bytes(text: &str) -> Result<i64, String> {
    let lower = text.trim().to_ascii_lowercase();
    let lower = lower.strip_suffix('b').unwrap_or(&lower);
    let (number, multiplier) = match lower.chars().last() {
        Some('k') => (&lower[..lower.len() - 1], 1_i64 << 10),
        Some('m') => (&lower[..lower.len() - 1], 1 << 20),
        Some('g') => (&lower[..lower.len() - 1], 1 << 30),
        Some('t') => (&lower[..lower.len() - 1], 1 << 40),
        _ => (lower, 1),
    };
    let value: f64 = number
        .parse()
        .map_err(|_| format!("'{text}' is not a size (e.g. 8g, 512m)"))?;
    if value < 0.0 {
        return Err(format!("'{text}' is negative"));
    }
    // Sizes are far below 2^53 bytes.
    #[allow(clippy::cast_possible_truncation, clippy::cast_precision_loss)]
    Ok((value * multiplier as f64) as i64)
}

/// `-v source:target[:ro]`: a bind mount when the source is a path, else a volume.
fn parse_volume(text: &str) -> Result<MountSpec, String> {
    let parts: Vec<&str> = text.split(':').collect();
    let (source, target, options) = match parts.as_slice() {
        [target] => (None, *target, ""),
        [source, target] => (Some(*source), *target, ""),
        [source, target, options] => (Some(*source), *target, *options),
        _ => return Err("expected source:target[:options]".to_owned()),
    };
    let read_only = options.split(',').any(|o| o == "ro");
    Ok(match source {
        Some(source) if source.starts_with('/') || source.starts_with('.') => MountSpec::Bind {
            source: source.to_owned(),
            target: target.to_owned(),
            read_only,
        },
        source => MountSpec::Volume {
            name: source.map(str::to_owned),
            target: target.to_owned(),
            read_only,
        },
    })
}

/// `-p [ip:][host:]container[/proto]`.
fn parse_publish(text: &str) -> Result<Publish, String> {
    let (ports, protocol) = text.split_once('/').unwrap_or((text, "tcp"));
    let parts: Vec<&str> = ports.split(':').collect();
    let (host_ip, host_port, container) = match parts.as_slice() {
        [container] => ("", "", *container),
        [host, container] => ("", *host, *container),
        [ip, host, container] => (*ip, *host, *container),
        _ => return Err("expected [ip:][host port:]container port[/protocol]".to_owned()),
    };
    if container.parse::<u16>().is_err() {
        return Err(format!("'{container}' is not a port"));
    }
    Ok(Publish {
        host_ip: host_ip.to_owned(),
        host_port: host_port.to_owned(),
        container_port: format!("{container}/{protocol}"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn the_flags_gpu_projects_use_become_container_settings() {
        let mut spec = ContainerSpec::default();
        let read = apply(
            &args(&[
                "--gpus",
                "all",
                "--shm-size=8g",
                "--ipc=host",
                "--ulimit",
                "memlock=-1",
                "--ulimit=stack=67108864",
                "--cap-add=SYS_PTRACE",
                "--security-opt",
                "seccomp=unconfined",
                "--privileged",
                "-e",
                "A=1",
                "-v",
                "/data:/data:ro",
                "-p",
                "127.0.0.1:8888:8888",
            ]),
            &mut spec,
        );
        assert!(read.warnings.is_empty(), "{:?}", read.warnings);
        assert!(read.gpus);
        assert_eq!(spec.shm_size, Some(8 << 30));
        assert_eq!(spec.ipc_mode.as_deref(), Some("host"));
        assert_eq!(
            spec.ulimits,
            [
                ("memlock".to_owned(), -1, -1),
                ("stack".to_owned(), 67_108_864, 67_108_864)
            ]
        );
        assert_eq!(spec.cap_add, ["SYS_PTRACE"]);
        assert_eq!(spec.security_opt, ["seccomp=unconfined"]);
        assert!(spec.privileged);
        assert_eq!(spec.env.get("A").map(String::as_str), Some("1"));
        assert_eq!(
            spec.mounts,
            [MountSpec::Bind {
                source: "/data".into(),
                target: "/data".into(),
                read_only: true
            }]
        );
        assert_eq!(spec.publish[0].container_port, "8888/tcp");
        assert_eq!(spec.publish[0].host_ip, "127.0.0.1");
    }

    #[test]
    fn unknown_flags_are_warned_about_not_dropped_silently() {
        let mut spec = ContainerSpec::default();
        let read = apply(&args(&["--oom-kill-disable", "true", "-it"]), &mut spec);
        assert_eq!(read.warnings.len(), 2, "{:?}", read.warnings);
        assert!(read.warnings[0].contains("--oom-kill-disable"));
        assert!(read.warnings[1].contains("'-it'"));
    }

    #[test]
    fn sizes_read_as_docker_reads_them() {
        assert_eq!(parse_bytes("8g"), Ok(8 << 30));
        assert_eq!(parse_bytes("512M"), Ok(512 << 20));
        assert_eq!(parse_bytes("2GB"), Ok(2 << 30));
        assert_eq!(parse_bytes("1024"), Ok(1024));
        assert!(parse_bytes("lots").is_err());
    }
}
