// Swagger UI for kyso's OpenAPI document (api/web/api_docs.py); a file, not an inline script,
// so that the page runs under kyso's Content-Security-Policy.
window.ui = SwaggerUIBundle({
  url: "/api/v1/openapi.json",
  dom_id: "#swagger-ui",
  deepLinking: true,
});
