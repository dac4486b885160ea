"""What the CLI computes without a cloud: run the stack program under the synthesis engine,
check it against the policies (`check`), place its resources by tenant and tier (`placement`),
estimate its cost (`cost`), assemble the plan (`plan`) and print reports, render GitOps
manifests (`render`) and write a Terraform-style plan for the scanners (`terraform_plan`)."""
