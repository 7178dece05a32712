// Command pulumi-resource-kubernetes serves the Pulumi Kubernetes provider from the pinned
// provider module. The upstream main embeds two generated files that are not part of the module
// zip; the platform's toolchain installer writes them next to this file before `go build`
// (schema-embed.json with the version set, terraform-mapping-embed.json re-marshalled).
package main

import (
	_ "embed"

	"github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/provider"
	"github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version"
)

//go:embed schema-embed.json
var pulumiSchema []byte

//go:embed terraform-mapping-embed.json
var terraformMapping []byte

func main() {
	provider.Serve("kubernetes", version.Version, pulumiSchema, terraformMapping)
}
