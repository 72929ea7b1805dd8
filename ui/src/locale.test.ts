// The locale guard: a POSIX locale name never reaches Intl.
import { describe, expect, it } from "vitest";
import { usableLanguage } from "./locale";

describe("usableLanguage", () => {
  it("keeps a real language tag", () => {
    expect(usableLanguage("de-DE")).toBe("de-DE");
  });

  it("replaces the POSIX locale names WebKitGTK reports under LANG=C", () => {
    expect(usableLanguage("C")).toBe("en-US");
    expect(usableLanguage("POSIX")).toBe("en-US");
    expect(usableLanguage(undefined)).toBe("en-US");
    expect(() => new Intl.NumberFormat(usableLanguage("C"))).not.toThrow();
  });

  it("takes the first usable fallback", () => {
    expect(usableLanguage("C", ["C.UTF-8", "fr-FR"])).toBe("fr-FR");
  });
});
