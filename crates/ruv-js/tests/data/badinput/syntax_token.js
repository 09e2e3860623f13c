const ok = 1;
function f() {
  return ok +* 2;
}
