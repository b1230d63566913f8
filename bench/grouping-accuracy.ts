/**
 * Grouping accuracy as Zhu et al. define it ("Tools and Benchmarks for Automated Log Parsing", ICSE-SEIP 2019): a
 * message is grouped correctly when the group it was put in holds exactly the messages of its true group.
 */
export function groupingAccuracy(truth: readonly string[], predicted: readonly (string | number)[]): number {
  if (truth.length !== predicted.length) throw new Error(`${truth.length} labels but ${predicted.length} groups`);
  if (truth.length === 0) return 1;
  const trueGroups = new Map<string, number[]>();
  const predictedGroups = new Map<string | number, number[]>();
  truth.forEach((label, i) => {
    const members = trueGroups.get(label) ?? [];
    members.push(i);
    trueGroups.set(label, members);
    const p = predicted[i]!;
    const group = predictedGroups.get(p) ?? [];
    group.push(i);
    predictedGroups.set(p, group);
  });
  let correct = 0;
  for (const members of predictedGroups.values()) {
    const label = truth[members[0]!]!;
    const trueMembers = trueGroups.get(label)!;
    if (trueMembers.length === members.length && members.every((i) => truth[i] === label)) correct += members.length;
  }
  return correct / truth.length;
}
