// Settings: Docker host, WSL memory, registry credentials.
import { call } from "./call";

export const settings = () => call("settings", {});
export const wslShow = () => call("wsl_show", {});
export const wslApply = () => call("wsl_apply", {});
/** Keeps a registry credential in the OS keyring; the secret is never logged. */
export const registryLogin = (registry: string, username: string, secret: string) =>
  call("registry_login", { registry, username, secret });
export const registryLogout = (registry: string) => call("registry_logout", { registry });
