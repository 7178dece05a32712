import { closest, didYouMean, editDistance } from "../../../model/suggest";

describe("editDistance", () => {
  test.each([
    ["replicas", "replicas", 0],
    ["replica", "replicas", 1],
    ["repilcas", "replicas", 1],
    ["kitten", "sitting", 3],
    ["", "abc", 3],
  ])("%s → %s is %i", (a, b, d) => {
    expect(editDistance(a, b)).toBe(d);
    expect(editDistance(b, a)).toBe(d);
  });
});

describe("closest", () => {
  test("finds the key a typo came from", () => {
    expect(closest("tennant", ["tenant", "image", "tag"])).toBe("tenant");
    expect(closest("Replicas", ["replicas", "port"])).toBe("replicas");
  });

  test("gives nothing when no key is close", () => {
    expect(closest("flavour", ["tenant", "image", "tag"])).toBeUndefined();
    expect(closest("x", ["t"])).toBeUndefined();
  });

  test("suggests a key the input is a prefix of", () => {
    expect(closest("webhook", ["kind", "webhookSecret"])).toBe("webhookSecret");
  });

  test("didYouMean formats the hint or nothing", () => {
    expect(didYouMean("imgae", ["image"])).toBe('; did you mean "image"?');
    expect(didYouMean("zzzzzz", ["image"])).toBe("");
  });
});
