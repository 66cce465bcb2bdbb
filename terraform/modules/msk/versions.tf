terraform {
  # 1.11 is the first Terraform and OpenTofu release with ephemeral resources and
  # write-only arguments, which keep the SCRAM password out of the state.
  required_version = ">= 1.11.0"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 6.0, < 7.0"
    }
    random = {
      source  = "hashicorp/random"
      version = ">= 3.7, < 4.0"
    }
  }
}
