terraform {
  required_version = ">= 1.11.0"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 6.0"
    }
    random = {
      source  = "hashicorp/random"
      version = "~> 3.7"
    }
  }

  # State in S3, encrypted, with S3-native locking (a lock object next to the state;
  # Terraform >= 1.10 and OpenTofu >= 1.10). The bucket is created once, outside this
  # configuration, with versioning, default encryption and all public access blocked.
  # Another bucket or region: `tofu init -backend-config=bucket=... -backend-config=region=...`.
  backend "s3" {
    bucket       = "eventtide-terraform-state"
    key          = "staging/terraform.tfstate"
    region       = "eu-west-1"
    encrypt      = true
    use_lockfile = true
  }
}
