// lib/kstrtox.c semantics, as the sysfs stores see them.
import { Errno } from "./errno.js";
import { describe, expect, it } from "vitest";
import { cString, kstrtobool, kstrtoint, kstrtoul, kstrtouint, sysfsStreq } from "./kstrto.js";

const { EINVAL, ERANGE } = Errno;
const err = (e: number) => ({ errno: -e });

describe("kstrtoul", () => {
  it.each([
    ["0", 0n], ["42", 42n], ["42\n", 42n], ["+42", 42n], ["0x1f", 31n], ["0X1F\n", 31n], ["017", 15n],
    ["18446744073709551615", 18446744073709551615n], ["0xffffffffffffffff", 18446744073709551615n],
  ])("%j → %s", (s, v) => expect(kstrtoul(s)).toBe(v));

  it.each([
    ["", EINVAL], ["\n", EINVAL], ["-1", EINVAL], [" 1", EINVAL], ["1 ", EINVAL], ["1\n\n", EINVAL],
    ["1a", EINVAL], ["08", EINVAL], ["0x", EINVAL], ["0xg", EINVAL], ["++1", EINVAL], ["abc", EINVAL],
    ["18446744073709551616", ERANGE], ["0x10000000000000000", ERANGE], ["99999999999999999999x", ERANGE],
  ])("%j → -%d", (s, e) => expect(kstrtoul(s)).toEqual(err(e)));
});

describe("kstrtoint and kstrtouint", () => {
  it.each([
    ["-1", -1], ["-0x10", -16], ["2147483647", 2147483647], ["-2147483648", -2147483648], ["+7\n", 7],
  ])("kstrtoint %j → %d", (s, v) => expect(kstrtoint(s)).toBe(v));

  it.each([
    ["2147483648", ERANGE], ["-2147483649", ERANGE], ["-+1", EINVAL], ["--1", EINVAL], ["- 1", EINVAL], ["", EINVAL],
  ])("kstrtoint %j → -%d", (s, e) => expect(kstrtoint(s)).toEqual(err(e)));

  it("kstrtouint stops at 2^32 - 1", () => {
    expect(kstrtouint("4294967295")).toBe(4294967295);
    expect(kstrtouint("4294967296")).toEqual(err(ERANGE));
    expect(kstrtouint("-1")).toEqual(err(EINVAL));
  });
});

describe("kstrtobool and sysfs_streq", () => {
  it.each([
    ["Y", true], ["yes please", true], ["1", true], ["on", true], ["ON\n", true],
    ["n", false], ["N\n", false], ["0", false], ["off", false], ["of", false],
  ])("kstrtobool %j → %s", (s, v) => expect(kstrtobool(s)).toBe(v));

  it.each(["", "o", "2", "true", " y"])("kstrtobool %j → -EINVAL", (s) => expect(kstrtobool(s)).toEqual(err(EINVAL)));

  it("sysfs_streq ignores one trailing newline only", () => {
    expect(sysfsStreq("on", "on")).toBe(true);
    expect(sysfsStreq("on\n", "on")).toBe(true);
    expect(sysfsStreq("on\n\n", "on")).toBe(false);
    expect(sysfsStreq("o", "on")).toBe(false);
    expect(sysfsStreq("on ", "on")).toBe(false);
    expect(sysfsStreq("", "on")).toBe(false);
  });

  it("the buffer ends at its first NUL", () => {
    expect(cString(new Uint8Array([0x6f, 0x6e, 0, 0x78]))).toBe("on");
  });
});
