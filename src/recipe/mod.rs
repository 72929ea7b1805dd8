//! Recipes: the wizard's choices, the compatibility table, and rendering a Recipe into
//! the `.devcontainer/` files.
