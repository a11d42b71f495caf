// Server-component entry point (the dashboard layout imports it from here).
export { currentPageUser, requirePageUser } from "./page-session";
