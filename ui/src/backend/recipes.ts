// New projects: the compatibility table, a folder's state, and preview/create.
import type { RecipeRequest } from "../bindings/RecipeRequest";
import { call } from "./call";

export const recipes = () => call("recipes", {});
export const project = (folder: string) => call("project", { folder });
/** What `create` would write; writes nothing. */
export const previewProject = (folder: string, request: RecipeRequest, overwrite: boolean) =>
  call("preview_project", { folder, request, overwrite });
export const createProject = (folder: string, request: RecipeRequest, overwrite: boolean) =>
  call("create_project", { folder, request, overwrite });
