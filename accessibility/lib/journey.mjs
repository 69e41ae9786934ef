// A person's journey through the service as subtests, one step each.

/** Runs the steps of one journey in order; once one fails, the rest are skipped. */
export function journey(t) {
  let broken = null;
  return (name, fn) =>
    t.test(name, async (st) => {
      if (broken) {
        st.skip(`an earlier step failed: ${broken}`);
        return;
      }
      try {
        await fn(st);
      } catch (error) {
        broken = name;
        throw error;
      }
    });
}

