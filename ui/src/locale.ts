// The page's language, made safe before anything formats numbers: WebKitGTK reports the
// process locale as it is, so under LANG=C (containers, SSH sessions, CI) it says "C",
// which is no BCP 47 tag, and `new Intl.NumberFormat(navigator.language)` throws — uPlot
// does that as its module loads, which took the whole window down. Imported first.

/** `tag` when Intl accepts it, else the first accepted of `fallbacks`. */
export function usableLanguage(tag: string | undefined, fallbacks: readonly string[] = ["en-US"]): string {
  for (const candidate of [tag, ...fallbacks]) {
    if (!candidate) continue;
    try {
      if (Intl.NumberFormat.supportedLocalesOf([candidate]).length > 0) return candidate;
    } catch {
      // RangeError: not a language tag at all ("C", "POSIX").
    }
  }
  return "en-US";
}

if (typeof navigator !== "undefined") {
  const given = navigator.language;
  const usable = usableLanguage(given, [...(navigator.languages ?? []), "en-US"]);
  if (usable !== given) {
    Object.defineProperty(navigator, "language", { configurable: true, get: () => usable });
    console.debug(`locale: '${given}' is not a language tag; formatting numbers as ${usable}`);
  }
}
