(define (problem gripper-p06)
  (:domain gripper)
  (:objects kitchen hall garden - room ball1 ball2 - ball left right - gripper)
  (:init
    (at-robot garden)
    (free left)
    (free right)
    (at ball1 garden)
    (at ball2 hall))
  (:goal
    (and
      (at ball1 kitchen)
      (at ball2 kitchen))))
