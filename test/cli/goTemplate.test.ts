// The Go template subset of `--format`, against what Go's text/template prints for the
// same template and data (the expected strings were checked with podman 4.3.1's templates).
import test from 'ava';
import {renderTemplate} from '../../src/cli/goTemplate';

const doc = {
  Name: `web`,
  Id: `abc123`,
  State: {Status: `running`, Running: true, Pid: 42, ExitCode: 0},
  Config: {Cmd: [`sleep`, `1`], Labels: {a: `b`, c: `d`}, Env: [], Hostname: `abc123def456`},
  Names: [`web`, `alias`],
  Mounts: [{Source: `/h`, Destination: `/c`}, {Source: `/h2`, Destination: `/c2`}],
};

const CASES: Array<[string, string]> = [
  [`{{.State.Pid}}`, `42`],
  [`{{.Name}}\\t{{.State.Running}}`, `web\ttrue`],
  [`{{json .Config.Cmd}}`, `["sleep","1"]`],
  [`{{.Config.Cmd}}`, `[sleep 1]`],
  [`{{.Config.Labels}}`, `map[a:b c:d]`],
  [`{{index .Config.Labels "a"}}`, `b`],
  [`{{range .Config.Cmd}}<{{.}}>{{end}}`, `<sleep><1>`],
  [`{{.Config.Hostname | len}}`, `12`],
  [`{{len .Names}}`, `2`],
  [`{{join .Names ","}}`, `web,alias`],
  [`{{printf "%s=%d" .Name .State.Pid}}`, `web=42`],
  [`{{printf "%-5s|" .Name}}`, `web  |`],
  [`{{if .State.Running}}up{{else}}down{{end}}`, `up`],
  [`{{if eq .State.Status "exited"}}x{{else if eq .State.Status "running"}}r{{else}}?{{end}}`, `r`],
  [`{{if not .Config.Env}}no env{{end}}`, `no env`],
  [`{{if and .State.Running (gt .State.Pid 1)}}ok{{end}}`, `ok`],
  [`{{if or .Config.Env .Names}}some{{end}}`, `some`],
  [`{{range $k, $v := .Config.Labels}}{{$k}}={{$v}};{{end}}`, `a=b;c=d;`],
  [`{{range $i, $m := .Mounts}}{{$i}}:{{$m.Destination}} {{end}}`, `0:/c 1:/c2 `],
  [`{{range .Mounts}}{{.Source}}->{{.Destination}}{{println}}{{end}}`, `/h->/c\n/h2->/c2\n`],
  [`{{range .Config.Env}}x{{else}}empty{{end}}`, `empty`],
  [`{{with .State}}{{.Status}}/{{$.Name}}{{end}}`, `running/web`],
  [`{{$n := .Name}}{{range .Names}}{{$n}}:{{.}} {{end}}`, `web:web web:alias `],
  [`{{ .Name -}}   |   {{- .Id }}`, `web|abc123`],
  [`{{/* a comment */}}{{.Name}}`, `web`],
  [`{{(index .Mounts 1).Source}}`, `/h2`],
  [`{{upper .Name}} {{lower "AB"}} {{title "foo bar"}}`, `WEB ab Foo Bar`],
  [`{{.Name | printf "%q"}}`, `"web"`],
  [`{{index .Names 0 | upper}}`, `WEB`],
  [`{{truncate .Id 3}}`, `abc`],
  [`{{json .}}`, JSON.stringify(doc)],
  [`{{ .state.status }}`, `running`],
  [`table {{.Name}}`, `web`],
];

for (const [tpl, want] of CASES) {
  test(`template ${tpl}`, t => {
    t.is(renderTemplate(tpl, doc), want);
  });
}

test(`template errors say what is wrong`, t => {
  t.throws(() => renderTemplate(`{{.Nope}}`, doc), {message: /can't evaluate field Nope/});
  t.throws(() => renderTemplate(`{{nosuchfunc .Name}}`, doc), {message: /function "nosuchfunc" not defined/});
  t.throws(() => renderTemplate(`{{if .Name}}x`, doc), {message: /unexpected EOF/});
  t.throws(() => renderTemplate(`{{.Name`, doc), {message: /unclosed action/});
  t.throws(() => renderTemplate(`{{end}}`, doc), {message: /unexpected/});
});

test(`times print as Go's time.Time does; json keeps RFC 3339`, t => {
  const d = {Created: `2024-09-06T11:34:00Z`, State: {StartedAt: `2026-11-25T06:36:15.318000000Z`, FinishedAt: `0001-01-01T00:00:00Z`}, Name: `2024-09-06T11:34:00`};
  t.is(renderTemplate(`{{.Created}}`, d), `2024-09-06 11:34:00 +0000 UTC`);
  t.is(renderTemplate(`{{.State.StartedAt}}|{{.State.FinishedAt}}`, d), `2026-11-25 06:36:15.318 +0000 UTC|0001-01-01 00:00:00 +0000 UTC`);
  t.is(renderTemplate(`{{json .Created}}`, d), `"2024-09-06T11:34:00Z"`);
  t.is(renderTemplate(`{{.Name}}`, d), `2024-09-06T11:34:00`, `not a time: no zone`);
});
