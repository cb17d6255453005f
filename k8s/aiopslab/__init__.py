"""AIOpsLab integration: the problem set derived from compiled manifests, and (under `glue/`, not a
package) the files that are copied into an AIOpsLab checkout."""
