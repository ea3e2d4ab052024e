// Kubernetes' $(VAR) expansion for command, args, env values and subPathExpr:
//   $(NAME)  the variable's value, or "$(NAME)" unchanged when it is not defined
//   $$       a literal "$" (so "$$(NAME)" is the text "$(NAME)")
//   $x       left as is, as is an unterminated "$("

export function expand(input: string, lookup: (name: string) => string | undefined): string {
  let out = "";
  let i = 0;
  while (i < input.length) {
    const ch = input[i];
    if (ch !== "$" || i + 1 >= input.length) {
      out += ch;
      i++;
      continue;
    }
    const next = input[i + 1];
    if (next === "$") {
      out += "$";
      i += 2;
    } else if (next === "(") {
      const close = input.indexOf(")", i + 2);
      if (close < 0) {
        out += "$(";
        i += 2;
      } else {
        const name = input.slice(i + 2, close);
        out += lookup(name) ?? `$(${name})`;
        i = close + 1;
      }
    } else {
      out += `$${next}`;
      i += 2;
    }
  }
  return out;
}
