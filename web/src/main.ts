/**
 * The plant console: a shell (navigation, plant picker, sign-out) and one page per hash route
 * (#/confirm, #/orders, #/orders/{order}, #/stock, #/backlog, #/reorders, #/movements, #/period,
 * #/sign-in). Every page reads and writes through the public API only (docs/api.md).
 */
import { whenUnauthorized } from "./api.js";
import {
  type CognitoConfig,
  choosePlant,
  chosenPlant,
  completeHostedSignIn,
  currentSession,
  hostedSignOutUrl,
  loadCognitoConfig,
  type Session,
  signIn,
  signOut,
  startHostedSignIn,
  takeTokenFromFragment,
} from "./auth.js";
import { field, h, replace } from "./dom.js";
import { backlogPage } from "./pages/backlog.js";
import { confirmPage } from "./pages/confirm.js";
import { movementsPage } from "./pages/movements.js";
import { orderPage, ordersPage } from "./pages/orders.js";
import { periodPage } from "./pages/period.js";
import { reordersPage } from "./pages/reorders.js";
import { stockPage } from "./pages/stock.js";
import type { Context } from "./ui.js";

const PAGES: Record<string, { title: string; render: (ctx: Context) => void | Promise<void> }> = {
  confirm: { title: "Confirm", render: confirmPage },
  orders: { title: "Orders", render: (ctx) => (ctx.args[0] ? orderPage(ctx) : ordersPage(ctx)) },
  stock: { title: "Stock", render: stockPage },
  backlog: { title: "Backlog", render: backlogPage },
  reorders: { title: "Reorders", render: reordersPage },
  movements: { title: "Movements", render: movementsPage },
  period: { title: "Period", render: periodPage },
};

const app = document.getElementById("app") as HTMLElement;
let cognito: CognitoConfig | undefined;
let signInMessage = "";
let generation = 0;

function route(): { page: string; args: string[] } {
  const parts = location.hash.replace(/^#\/?/, "").split("/").map(decodeURIComponent);
  return { page: parts[0] || "confirm", args: parts.slice(1).filter((p) => p !== "") };
}

function render(): void {
  const mine = ++generation;
  const session = currentSession();
  const { page, args } = route();
  if (!session || page === "sign-in") {
    renderSignIn(session);
    return;
  }
  const plant = chosenPlant(session);
  const spec = PAGES[page] ?? PAGES.confirm;
  if (!spec) return;
  document.title = `${spec.title} · Plant console`;
  const main = h("main", { id: "main", tabindex: "-1" });
  replace(app, shell(session, page, plant), main);
  if (!plant) {
    replace(main, h("p", { class: "empty" }, "Type a plant in the Plant field to begin."));
    return;
  }
  const ctx: Context = {
    session,
    plant,
    main,
    args,
    can: (role) => session.roles.includes(role),
    current: () => generation === mine,
  };
  void spec.render(ctx);
}

function shell(session: Session, page: string, plant: string | undefined): HTMLElement {
  const links = Object.entries(PAGES).map(([name, spec]) =>
    h(
      "a",
      { href: `#/${name}`, "aria-current": name === page ? "page" : undefined, class: "nav-link" },
      spec.title,
    ),
  );
  let picker: HTMLInputElement | HTMLSelectElement;
  if (session.plants.includes("*")) {
    picker = h("input", { value: plant ?? "", autocomplete: "off", size: "8" });
    picker.addEventListener("change", () => {
      if (picker.value.trim()) choosePlant(picker.value.trim());
      render();
    });
  } else {
    picker = h(
      "select",
      {},
      session.plants.map((p) => h("option", { value: p, selected: p === plant }, p)),
    );
    picker.addEventListener("change", () => {
      choosePlant(picker.value);
      render();
    });
  }
  const out = h("button", { type: "button", class: "link" }, "Sign out");
  out.addEventListener("click", () => {
    signOut();
    signInMessage = "Signed out.";
    // Signed in through the hosted UI: end that session too, or the next "Sign in with your account"
    // would come straight back without asking (Cognito's logout returns to the console's address).
    if (cognito) location.assign(hostedSignOutUrl(cognito));
    else go("#/sign-in");
  });
  return h(
    "header",
    { class: "top" },
    h("a", { href: "#main", class: "skip" }, "Skip to content"),
    h("span", { class: "brand" }, "Plant console"),
    h("nav", { "aria-label": "Pages" }, links),
    h(
      "div",
      { class: "who" },
      field("Plant", picker),
      h("span", { class: "roles", title: session.subject }, session.roles.join(", ") || "no roles"),
      out,
    ),
  );
}

function go(hash: string): void {
  if (location.hash === hash) render();
  else location.hash = hash; // hashchange renders
}

function renderSignIn(session: Session | undefined): void {
  document.title = "Sign in · Plant console";
  const token = h("textarea", {
    id: "token",
    rows: "4",
    autocomplete: "off",
    spellcheck: "false",
    required: true,
  });
  const message = h("p", { role: "status", class: signInMessage ? "notice" : "hidden" }, signInMessage);
  const form = h(
    "form",
    { class: "card" },
    h("h1", {}, "Sign in"),
    h("div", { class: "field" }, h("label", { for: "token" }, "Token"), token),
    h(
      "small",
      {},
      "Paste an access token (in the sandbox: the link npm start prints, or npm run -s token -- --plants P100).",
    ),
    h("div", { class: "actions" }, h("button", { type: "submit" }, "Sign in")),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    if (!signIn(token.value)) {
      replace(message, "That is not a token (three base64url parts, the middle one JSON).");
      message.className = "problem";
      message.setAttribute("role", "alert");
      return;
    }
    signInMessage = "";
    go("#/confirm");
  });
  const hosted = cognito
    ? (() => {
        const button = h("button", { type: "button" }, "Sign in with your account");
        const config = cognito;
        button.addEventListener("click", () => void startHostedSignIn(config));
        return h("div", { class: "card" }, h("p", {}, "People of the plant:"), button);
      })()
    : null;
  replace(
    app,
    h(
      "main",
      { id: "main", class: "sign-in" },
      message,
      session ? h("p", {}, h("a", { href: "#/confirm" }, "Back to the console")) : null,
      hosted,
      form,
    ),
  );
}

whenUnauthorized((reason) => {
  signInMessage = reason;
  go("#/sign-in");
});
window.addEventListener("hashchange", render);

async function boot(): Promise<void> {
  takeTokenFromFragment();
  cognito = await loadCognitoConfig();
  const outcome = await completeHostedSignIn(cognito).catch((e: unknown) => String(e));
  if (outcome) signInMessage = outcome;
  render();
}
void boot();
