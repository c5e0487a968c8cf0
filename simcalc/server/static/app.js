// The simcalc page: fill the scorer list, send the pair to POST /explain, show the server's rendering.
// Plain script, no libraries: the page must work offline. All text from the server is inserted either
// as textContent or as the HTML fragment the server built with every user string escaped.
"use strict";

const form = document.getElementById("pair-form");
const scorerSelect = document.getElementById("scorer");
const statusLine = document.getElementById("status");
const errorBox = document.getElementById("error");
const resultSection = document.getElementById("result");
const explanation = document.getElementById("explanation");
let latest = 0;  // only the newest request's answer is shown (Ctrl+Enter can send another before one returns)

function showError(message) {
  errorBox.textContent = message;
  errorBox.hidden = false;
  errorBox.focus();
}

function clearError() {
  errorBox.textContent = "";
  errorBox.hidden = true;
}

async function loadScorers() {
  try {
    const response = await fetch("/scorers");
    const data = await response.json();
    scorerSelect.textContent = "";
    for (const entry of data.scorers) {
      const option = document.createElement("option");
      option.value = entry.name;
      option.textContent = entry.status === "ready" ? entry.name : `${entry.name} (unavailable)`;
      option.disabled = entry.status !== "ready";
      if (entry.error) option.title = entry.error;
      if (entry.name === data.default) option.selected = true;
      scorerSelect.appendChild(option);
    }
  } catch (err) {
    showError(`Could not load the scorer list: ${err}`);
  }
}

function describe(result) {
  // the server's three-way verdict (similar / not similar / opposite) and what decided it
  const score = result.score.toFixed(4);
  if (!result.verdict) return `${result.scorer}: ${score}`;
  const threshold = result.threshold === undefined || result.threshold === null ? "" : ` (threshold ${result.threshold})`;
  const decided = result.details && result.details.decided_by ? `; decided by ${result.details.decided_by}` : "";
  return `${result.scorer}: ${score} — ${result.verdict}${threshold}${decided}`;
}

async function compare(event) {
  if (event) event.preventDefault();
  clearError();
  const body = {
    sentence1: document.getElementById("sentence1").value,
    sentence2: document.getElementById("sentence2").value,
    view: true,
  };
  if (scorerSelect.value) body.scorer = scorerSelect.value;
  const mine = ++latest;
  resultSection.setAttribute("aria-busy", "true");  // the button stays enabled: keyboard focus stays on it
  statusLine.textContent = "Scoring…";
  try {
    const response = await fetch("/explain", {
      method: "POST",
      headers: {"Content-Type": "application/json"},
      body: JSON.stringify(body),
    });
    const data = await response.json();
    if (mine !== latest) return;  // a newer request was sent meanwhile
    if (!response.ok) {
      const err = data.error || {};
      statusLine.textContent = "";
      resultSection.hidden = true;  // never leave the previous pair's result under this pair's error
      showError(`${err.field ? err.field + ": " : ""}${err.message || response.statusText}`);
      return;
    }
    if (data.html) {
      explanation.innerHTML = data.html;  // built by simcalc.display with every user string escaped
    } else {
      explanation.textContent = `${describe(data.result)}.`;
    }
    resultSection.hidden = false;
    statusLine.textContent = `Done. ${describe(data.result)}`;
  } catch (err) {
    if (mine !== latest) return;
    statusLine.textContent = "";
    resultSection.hidden = true;
    showError(`The request failed: ${err}`);
  } finally {
    if (mine === latest) resultSection.removeAttribute("aria-busy");
  }
}

form.addEventListener("submit", compare);
form.addEventListener("keydown", (event) => {
  if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) compare(event);
});
document.getElementById("swap").addEventListener("click", () => {
  const a = document.getElementById("sentence1");
  const b = document.getElementById("sentence2");
  [a.value, b.value] = [b.value, a.value];
});
loadScorers().then(() => compare());
