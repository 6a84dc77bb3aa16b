// $(VAR) expansion in env values, command and args (third_party/forked/golang/expansion):
// $(NAME) is replaced when NAME is defined and kept as written otherwise; $$ is an escaped $.

export function expand(input: string, lookup: (name: string) => string | undefined): string {
  let out = '';
  let checkpoint = 0;
  for (let i = 0; i < input.length; i++) {
    if (input[i] !== '$' || i + 1 >= input.length) continue;
    out += input.slice(checkpoint, i);
    const next = input[i + 1];
    if (next === '$') {
      // escaped: "$$" → "$"
      out += '$';
      i++;
      checkpoint = i + 1;
      continue;
    }
    if (next === '(') {
      const close = input.indexOf(')', i + 2);
      if (close < 0) {
        // unterminated: kept as written
        out += input.slice(i, i + 2);
        i++;
        checkpoint = i + 1;
        continue;
      }
      const name = input.slice(i + 2, close);
      const v = lookup(name);
      out += v ?? `$(${name})`;
      i = close;
      checkpoint = i + 1;
      continue;
    }
    // a lone $ followed by another character is kept
    out += '$' + next;
    i++;
    checkpoint = i + 1;
  }
  return out + input.slice(checkpoint);
}
