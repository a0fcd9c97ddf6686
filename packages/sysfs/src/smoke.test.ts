import { expect, it } from "vitest";
import { staged } from "./test-support.js";

it("smoke", async () => {
  const t = await staged();
  expect(t.read("nr_kdamonds")).toBe("1\n");
  expect(t.read("0/state")).toBe("off\n");
  expect(t.read("0/pid")).toBe("-1\n");
  t.setup([`${t.C}/schemes/nr_schemes`, "1"], [`${t.C}/schemes/0/access_pattern/sz/max`, "18446744073709551615"],
    [`${t.C}/schemes/0/access_pattern/nr_accesses/max`, "100"], [`${t.C}/schemes/0/access_pattern/age/max`, "4294967295"]);
  expect(t.write("0/state", "on")).toBe(2);
  expect(t.read("0/state")).toBe("on\n");
  expect(Number(t.read("0/pid"))).toBeGreaterThan(0);
  t.sim.runFor(1_000_000);
  expect(t.write("0/state", "update_schemes_stats")).toBe(20);
  console.log(t.read(`${t.C}/schemes/0/stats/nr_tried`), t.sim.now);
  expect(t.write("0/state", "update_schemes_tried_regions")).toBe(28);
  console.log(t.ls(`${t.C}/schemes/0/tried_regions`), t.sim.now);
  expect(t.write("0/state", "commit")).toBe(6);
  console.log(t.sim.now);
  expect(t.write("0/state", "off")).toBe(3);
  expect(t.read("0/state")).toBe("off\n");
  expect(t.read("0/pid")).toBe("-1\n");
});
